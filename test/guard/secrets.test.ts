import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describeFinding, scanForSecrets, secretsError } from '../../src/guard/secrets.js';
import { flowWith, keys, rand } from './keys.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.resolve(repoRoot, '../shared/fixtures/langflow');

const lineContaining = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

test('a literal value in a password field is refused, naming node, field and line — never the value', (t) => {
  const secret = 'hunter2-' + rand(12);
  const text = flowWith({ apiKey: secret });
  const findings = scanForSecrets(text, 'flows/demo.json');
  t.deepEqual(findings, [
    { path: 'flows/demo.json', line: lineContaining(text, secret), rule: 'secret-field', nodeId: 'OpenAIModel-c3', field: 'api_key' },
  ]);
  const err = secretsError(findings);
  t.false(JSON.stringify(findings).includes(secret));
  t.false(err.describe().includes(secret));
  t.regex(err.describe(), /node OpenAIModel-c3, field api_key: .*secret-field/);
});

test('a key in a secret field is reported once, under the key-shape rule', (t) => {
  const secret = keys.openai();
  const findings = scanForSecrets(flowWith({ apiKey: secret }), 'flows/demo.json');
  t.is(findings.length, 1);
  t.like(findings[0], { rule: 'openai-api-key', nodeId: 'OpenAIModel-c3', field: 'api_key' });
});

test('a key pasted into a prompt is found and names the prompt node and field', (t) => {
  const secret = keys.anthropic();
  const text = flowWith({ prompt: `You are helpful. Use key ${secret} when asked.` });
  const findings = scanForSecrets(text, 'flows/demo.json');
  t.deepEqual(findings, [
    { path: 'flows/demo.json', line: lineContaining(text, secret), rule: 'anthropic-api-key', nodeId: 'Prompt-b2', field: 'template' },
  ]);
  t.false(describeFinding(findings[0]!).includes(secret));
});

test('variable names are not secrets: load_from_db, env-style names, os.environ lookups', (t) => {
  t.deepEqual(scanForSecrets(flowWith({ apiKey: 'OPENAI_API_KEY', loadFromDb: true }), 'flows/a.json'), []);
  t.deepEqual(scanForSecrets(flowWith({ apiKey: 'OPENAI_API_KEY', loadFromDb: false }), 'flows/a.json'), []);
  t.deepEqual(scanForSecrets(flowWith({ apiKey: '' }), 'flows/a.json'), []);
  const py = [
    'import os',
    'api_key = os.environ["OPENAI_API_KEY"]',
    'anthropic = os.environ.get("ANTHROPIC_API_KEY", "")',
    'from sklearn import svm  # sk-learn',
    'PLACEHOLDER = "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    'DOC = "set AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"',
    'TASK = "sk-this-is-not-a-real-key-placeholder"',
    'HEADER = "-----BEGIN PRIVATE KEY-----"',
    'TOKEN_PREFIX = "ghp_"',
    'MODEL = "sk-learn-model-version-2024-abcdefgh-ijklmnop"',
    'SHA = "sk-3f2a9c0b1d4e5f60718293a4b5c6d7e8f9a0b1c2"',
    'URL = "https://example.com/ghp_ownerreadme0123456789abcdefghijklmnop"',
  ].join('\n');
  t.deepEqual(scanForSecrets(py, 'app/flows/t/flow_a.py'), []);
});

test('every well-known shape is found in plain text, on the right line', (t) => {
  for (const [name, make] of Object.entries(keys)) {
    const secret = make();
    const text = `# header\nx = 1\nvalue = ${JSON.stringify(secret)}\n`;
    const findings = scanForSecrets(text, 'app/flows/t/flow_x.py');
    t.is(findings.length, 1, name);
    t.is(findings[0]?.line, 3, name);
    t.false(JSON.stringify(findings).includes(secret.slice(8)), name);
  }
});

test('a minified flow reports line 1; a broken .json file is still scanned as text', (t) => {
  const secret = keys.github();
  const minified = JSON.stringify(JSON.parse(flowWith({ apiKey: secret })));
  t.like(scanForSecrets(minified, 'flows/m.json')[0], { line: 1, rule: 'github-token', nodeId: 'OpenAIModel-c3' });
  const broken = flowWith({ apiKey: secret }).slice(0, -3);
  t.like(scanForSecrets(broken, 'flows/m.json')[0], { rule: 'github-token' });
});

test('property: a key of any known shape put anywhere in a prompt is always found, never echoed', (t) => {
  const makers = Object.values(keys);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: makers.length - 1 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (k, before, after) => {
      const secret = makers[k]!();
      const findings = scanForSecrets(flowWith({ prompt: `${before} ${secret} ${after}` }), 'flows/p.json');
      return findings.length >= 1 && findings.some((f) => f.nodeId === 'Prompt-b2') && !JSON.stringify(findings).includes(secret);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

const corpus = existsSync(fixtures) ? test : test.skip;
if (!existsSync(fixtures)) console.log(`corpus secret tests skipped: ${fixtures} is absent`);

corpus('LangFlow starter projects (1.8, 1.10) have no findings', (t) => {
  let files = 0;
  for (const version of readdirSync(fixtures)) {
    for (const name of readdirSync(path.join(fixtures, version)).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(path.join(fixtures, version, name), 'utf8');
      t.deepEqual(scanForSecrets(text, `flows/${name}`), [], `${version}/${name}`);
      files++;
    }
  }
  t.true(files > 20);
});

corpus('code generated from the starter projects has no findings (the guard must not block clean builds)', async (t) => {
  const { compileFlow } = await import('../../src/codegen/compile.js');
  let scanned = 0;
  for (const version of readdirSync(fixtures)) {
    for (const name of readdirSync(path.join(fixtures, version)).filter((f) => f.endsWith('.json'))) {
      let files;
      try {
        files = compileFlow(readFileSync(path.join(fixtures, version, name)), { file: 'flows/starter.json', slug: 'acme' }).files;
      } catch {
        continue; // flows the compiler refuses are covered by its own tests
      }
      for (const f of files) {
        t.deepEqual(scanForSecrets(f.content, f.path), [], `${version}/${name} → ${f.path}`);
        scanned++;
      }
    }
  }
  t.true(scanned > 30, `${scanned} generated files scanned`);
});

test('issue 14 #1: a key shape used as a JSON object key is found, naming the line — never the value', (t) => {
  const key = `sk-proj-${'A1b2C3d4E5'.repeat(4)}`;
  const text = `{\n  "name": "x",\n  "${key}": true,\n  "data": {"nodes": []}\n}\n`;
  const findings = scanForSecrets(text, 'flows/x.json');
  t.is(findings.length, 1);
  t.is(findings[0]!.line, 3);
  t.false(JSON.stringify(findings).includes(key));
  const nested = scanForSecrets(JSON.stringify({ a: [{ b: { [key]: 1 } }] }), 'flows/y.json');
  t.is(nested.length, 1, 'a key deep in arrays and objects too');
});

test('issue 14 #2: a password field holding a list, an object or a number is a secret field', (t) => {
  for (const value of [['hunter2-not-a-name'], { token: 'hunter2-not-a-name' }, 12345678, [['x', 'hunter2']]]) {
    const text = JSON.stringify({ data: { nodes: [{ id: 'Agent-1', data: { id: 'Agent-1', node: { template: { api_key: { name: 'api_key', password: true, value } } } } }] } }, null, 2);
    const findings = scanForSecrets(text, 'flows/x.json');
    t.is(findings.length, 1, JSON.stringify(value));
    t.like(findings[0], { rule: 'secret-field', nodeId: 'Agent-1', field: 'api_key' });
  }
  for (const value of [[], {}, null, [''], false]) {
    const text = JSON.stringify({ data: { nodes: [{ id: 'A-1', data: { node: { template: { api_key: { password: true, value } } } } }] } });
    t.deepEqual(scanForSecrets(text, 'flows/x.json'), [], `${JSON.stringify(value)} holds nothing`);
  }
});

test('issue 14 #14: a text nested 100,000 levels deep is scanned as text, in bounded memory, and still finds a key', (t) => {
  const key = `sk-proj-${'Q7w8E9r0T1'.repeat(4)}`;
  const deep = `${'{"a":'.repeat(100_000)}"${key}"${'}'.repeat(100_000)}`;
  const findings = scanForSecrets(deep, 'flows/deep.json');
  t.is(findings.length, 1);
  t.false(JSON.stringify(findings).includes(key));
});
