/**
 * Acceptance 7: bad input gives one clear error (file, node, reason), a non-zero exit and
 * nothing written — through compileFlow and through `flowc compile` (built CLI).
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { FlowcError } from '../../src/errors.js';
import { exec, repoRoot } from '../helpers/python.js';
import { basicChat, edge, flow, node, type Json } from './flowkit.js';

type Mutate = (f: { data: { nodes: Json[]; edges: Json[] } }) => void;
const mutated = (m: Mutate): string => {
  const f = basicChat() as unknown as { data: { nodes: Json[]; edges: Json[] } };
  m(f);
  return JSON.stringify(f);
};

/** Sets `template.<field>` of node `id` (merging into the field's definition). */
const setField = (id: string, field: string, def: Json): string =>
  mutated((f) => {
    const n = f.data.nodes.find((x) => (x as { id: string }).id === id) as { data: { node: { template: Record<string, Json> } } };
    n.data.node.template[field] = { ...(n.data.node.template[field] as object), ...(def as object) };
  });

const loop = (ids: string[]) =>
  flow('cycle', [
    node({ id: 'ChatInput-aaaaa', type: 'ChatInput', fields: { input_value: '' }, outputs: ['message'] }),
    ...ids.map((id) => node({ id, type: 'Prompt', fields: { template: { value: '{a}', type: 'prompt' }, a: '' }, custom_fields: { template: ['a'] }, outputs: ['prompt'] })),
    node({ id: 'ChatOutput-zzzzz', type: 'ChatOutput', fields: { input_value: '' }, outputs: ['message'] }),
  ], [
    edge(ids[0]!, 'prompt', ids[1]!, 'a'),
    edge(ids[1]!, 'prompt', ids[0]!, 'a'),
    edge(ids[1]!, 'prompt', 'ChatOutput-zzzzz', 'input_value'),
  ]);

const CASES: Array<{ name: string; source: string | Uint8Array; reason: RegExp; nodeId?: string }> = [
  { name: 'not JSON', source: 'this is not json', reason: /not valid JSON/ },
  { name: 'truncated', source: JSON.stringify(basicChat()).slice(0, 500), reason: /not valid JSON \(truncated\?\)/ },
  { name: 'wrong shape', source: JSON.stringify({ name: 'x', nodes: [] }), reason: /not a LangFlow export: data/ },
  { name: 'node of the wrong shape', source: mutated((f) => f.data.nodes.push({ id: 'Broken-1', data: 'nope' })), reason: /node Broken-1 has the wrong shape/, nodeId: 'Broken-1' },
  {
    name: 'edge to a missing node',
    source: mutated((f) => f.data.edges.push(edge('ChatInput-aaaaa', 'message', 'Ghost-00000', 'input_value'))),
    reason: /goes to node Ghost-00000, which is not in the flow/,
    nodeId: 'ChatInput-aaaaa',
  },
  {
    name: 'duplicate node ids',
    source: mutated((f) => f.data.nodes.push(node({ id: 'Prompt-bbbbb', type: 'Prompt', fields: { template: 'x' }, outputs: ['prompt'] }))),
    reason: /duplicate node id Prompt-bbbbb/,
    nodeId: 'Prompt-bbbbb',
  },
  { name: 'cycle not through a loop/router', source: JSON.stringify(loop(['Prompt-one11', 'Prompt-two22'])), reason: /cycle not through a loop or router: Prompt-one11 → Prompt-two22 → Prompt-one11/, nodeId: 'Prompt-one11' },
  {
    name: 'unknown output name',
    source: mutated((f) => f.data.edges.push(edge('Prompt-bbbbb', 'no_such_output', 'ChatOutput-ddddd', 'sender_name'))),
    reason: /uses output "no_such_output", which node Prompt-bbbbb does not have \(outputs: prompt\)/,
    nodeId: 'Prompt-bbbbb',
  },
  {
    name: 'unsupported components',
    source: mutated((f) => {
      f.data.nodes.push(node({ id: 'Mystery-1', type: 'MysteryComponent', outputs: ['out'] }));
      f.data.nodes.push(node({ id: 'Mystery-2', type: 'OtherThing', outputs: ['out'] }));
    }),
    reason: /unsupported components: Mystery-1 \(MysteryComponent\), Mystery-2 \(OtherThing\) — these nodes carry no component source to run; flowc's own components: .*docs\/compiler\.md#supported-components/,
  },
  {
    name: 'invalid UTF-8',
    source: Buffer.concat([Buffer.from(JSON.stringify(basicChat()).slice(0, 40)), Buffer.from([0xc3, 0x28]), Buffer.from(JSON.stringify(basicChat()).slice(40))]),
    reason: /is not valid UTF-8 \(first bad byte at offset 40\).*re-save the file as UTF-8/,
  },
  { name: 'UTF-16 text', source: Buffer.from(`\ufeff${JSON.stringify(basicChat())}`, 'utf16le'), reason: /is UTF-16 text; flowc reads UTF-8 JSON/ },
  { name: 'empty canvas', source: JSON.stringify(flow('empty', [], [])), reason: /the flow has no components \(an empty canvas, or notes only\)/ },
  {
    name: 'a number field holding an object',
    source: setField('LanguageModelComponent-ccccc', 'temperature', { value: { hot: true } }),
    reason: /node LanguageModelComponent-ccccc \(LanguageModelComponent\), field temperature: expected a number, got an object \(a float field\) — set "temperature" in LangFlow/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'a password field holding a list (issue 14 #2)',
    source: setField('LanguageModelComponent-ccccc', 'api_key', { value: ['hunter2-in-a-list'], password: true }),
    reason: /node LanguageModelComponent-ccccc \(LanguageModelComponent\), field api_key: a secret value is typed into this password field/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'a prompt placeholder that is not a plain name',
    source: setField('Prompt-bbbbb', 'template', { value: 'Hello {user.name}, about {topic}' }),
    reason: /node Prompt-bbbbb \(Prompt\), field template: the placeholder \{user\.name\} is not a plain name .* — rename it/,
    nodeId: 'Prompt-bbbbb',
  },
  {
    name: 'a prompt placeholder with a conversion Python does not know (issue 14 #7)',
    source: setField('Prompt-bbbbb', 'template', { value: 'About {topic!x}, quoted {topic!r}' }),
    reason: /node Prompt-bbbbb \(Prompt\), field template: the placeholder \{topic!x\} has a conversion Python's formatting does not know \(only !r, !s, !a\)/,
    nodeId: 'Prompt-bbbbb',
  },
  {
    name: 'a number too large to represent (issue 14 #14)',
    source: Buffer.from(setField('LanguageModelComponent-ccccc', 'temperature', { value: 1 }).replace(/("temperature":\{[^}]*"value":)1/, '$11e400')),
    reason: /node LanguageModelComponent-ccccc \(LanguageModelComponent\), field temperature: expected a finite number, got one too large to represent/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'a number field holding words',
    source: setField('LanguageModelComponent-ccccc', 'temperature', { value: 'warm' }),
    reason: /field temperature: expected a number, got a string/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'a bool field holding a list',
    source: setField('ChatInput-aaaaa', 'should_store_message', { value: [1] }),
    reason: /node ChatInput-aaaaa \(ChatInput\), field should_store_message: expected true or false, got a list/,
    nodeId: 'ChatInput-aaaaa',
  },
  {
    name: 'a model field holding a number',
    source: setField('LanguageModelComponent-ccccc', 'model', { value: 17 }),
    reason: /field model: expected a model choice, got a number/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'a global-variable field whose value is no variable name',
    source: setField('LanguageModelComponent-ccccc', 'api_key', { value: 'not a name!', load_from_db: true }),
    reason: /field api_key: this field reads a LangFlow global variable, but its value is not a variable name/,
    nodeId: 'LanguageModelComponent-ccccc',
  },
  {
    name: 'edge into an unknown field',
    source: mutated((f) => f.data.edges.push(edge('Prompt-bbbbb', 'prompt', 'ChatOutput-ddddd', 'no_such_field'))),
    reason: /feeds field "no_such_field", which node ChatOutput-ddddd does not have/,
    nodeId: 'ChatOutput-ddddd',
  },
];

for (const c of CASES) {
  test(`compileFlow: ${c.name}`, (t) => {
    const err = t.throws(() => compileFlow(c.source, { file: 'flows/bad.json', slug: 'acme' }), { instanceOf: FlowcError })!;
    t.is(err.kind, 'flow');
    t.is(err.where.file, 'flows/bad.json');
    t.regex(err.describe(), c.reason);
    if (c.nodeId) t.is(err.where.nodeId, c.nodeId);
    t.true(err.describe().startsWith('flows/bad.json: '), err.describe());
  });
}

test('a cycle into a loop node orders, but must come back into the loop\'s item', (t) => {
  const f = loop(['Prompt-one11', 'Prompt-two22']) as { data: { nodes: Json[] } };
  (f.data.nodes[1] as { data: { type: string } }).data.type = 'LoopComponent';
  // The graph accepts the cycle (it goes through a loop); a back edge into an input field
  // instead of the loop's Item output is not a loop body flowc can run.
  const err = t.throws(() => compileFlow(JSON.stringify(f), { file: 'flows/loop.json', slug: 'a' }), { instanceOf: FlowcError })!;
  t.is(err.where.nodeId, 'Prompt-one11');
  t.regex(err.message, /feedback edge .* from Prompt-two22 back into this node is not supported yet/);
});

const built = existsSync(join(repoRoot, 'dist', 'main.js'));

(built ? test : test.skip)('flowc compile: every bad input exits non-zero, says file/node/reason, writes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Promise.all(
    CASES.map(async (c, i) => {
      const file = join(dir, `bad${i}.json`);
      writeFileSync(file, c.source);
      const out = join(dir, `out${i}`);
      const r = await exec(process.execPath, [join(repoRoot, 'bin', 'flowc.js'), 'compile', file, '--out', out], { cwd: dir });
      t.is(r.code, 1, `${c.name}: exit code`);
      t.true(r.stderr.includes(`bad${i}.json`), `${c.name}: names the file: ${r.stderr}`);
      t.regex(r.stderr, c.reason, c.name);
      if (c.nodeId) t.true(r.stderr.includes(`node ${c.nodeId}`), `${c.name}: names the node: ${r.stderr}`);
      t.false(existsSync(out), `${c.name}: nothing written`);
    }),
  );
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(basicChat()));
  const r = await exec(process.execPath, [join(repoRoot, 'bin', 'flowc.js'), 'compile', good, '--out', join(dir, 'good')], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readdirSync(join(dir, 'good')).sort(), ['conftest.py', 'flow_good.md', 'flow_good.py', 'flowc_runtime.py', 'runner_good.py', 'test_good.py']);
  t.regex(r.stdout, /wrote .*flow_good\.py/);
});

test('issue 14 #11: a JSON parse error says where (line, column), never quoting the input around it', (t) => {
  const secret = 'hunter2-Zq8xV3pL0wT7';
  for (const source of [`{"name": "x",\n "api_key": ${secret}}`, `{"name": "x"} ${secret}`, `{"api_key": "${secret}" "b": 1}`]) {
    const err = t.throws(() => compileFlow(source, { file: 'flows/x.json', slug: 'acme' }));
    t.regex(err!.message, /^not valid JSON.*line \d+, column \d+/);
    t.is((err as { where?: { file?: string } }).where?.file, 'flows/x.json');
    t.false(err!.message.includes(secret.slice(0, 7)), err!.message);
  }
});

test('issue 14 #14: a flow nested 100,000 levels deep is refused as such, not with a stack overflow', (t) => {
  const deep = `{"data": {"nodes": [], "edges": [], "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
  const err = t.throws(() => compileFlow(deep, { file: 'flows/deep.json', slug: 'acme' }));
  t.regex(err!.message, /is nested more than 512 levels deep/);
  t.notRegex(err!.message, /call stack/);
});
