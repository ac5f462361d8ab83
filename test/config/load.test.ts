import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { FlowcErrors } from '../../src/errors.js';

function repoWith(yaml: string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-config-'));
  if (yaml !== undefined) writeFileSync(path.join(dir, 'flowc.yaml'), yaml);
  return dir;
}

test('defaults derive from the slug', (t) => {
  const dir = repoWith('slug: acme\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const c = loadConfig(dir, {});
  t.is(c.repoRoot, dir);
  t.is(c.branch, 'tenant/acme');
  t.is(c.tagPrefix, 'bld-acme-');
  t.is(c.flowsDir, 'flows');
  t.is(c.outputDir, 'app/flows');
  t.is(c.testsDir, 'tests/smoke');
  t.is(c.remote, 'origin');
  t.is(c.validate, 'compile');
  t.is(c.secrets, 'refuse');
  t.is(c.telemetry.serviceName, 'flowc');
  t.is(c.telemetry.projectName, 'acme');
  t.deepEqual(c.webhook, { listen: '127.0.0.1:8081', require: [], apiKey: undefined, signingSecret: undefined });
  t.is(c.gitToken, undefined);
  t.true(c.python === 'python3' || c.python.endsWith('/.venv/bin/python'), c.python);
  t.is(loadConfig(dir, { FLOWC_PYTHON: '/opt/py/bin/python' }).python, '/opt/py/bin/python');
});

test('every key is read and the environment wins', (t) => {
  const dir = repoWith(
    [
      'slug: acme',
      'stack_port: 4101',
      'flows_dir: src/flows/',
      'output_dir: gen',
      'branch: main',
      'tag_prefix: b-',
      'debounce_ms: 50',
      'resync_seconds: 60',
      'validate: smoke',
      'secrets: scrub',
      'langserve: { url: "http://127.0.0.1:4101" }',
      'telemetry: { phoenix: "http://127.0.0.1:6006", service_name: svc }',
      'webhook: { listen: "0.0.0.0:9000", require: [api_key] }',
      '',
    ].join('\n'),
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const c = loadConfig(dir, { FLOWC_DEBOUNCE_MS: '75', FLOWC_WEBHOOK_REQUIRE: 'api_key,signature', LANGSERVE_RESTART_TOKEN: 'tok', GIT_TOKEN: 'gt' });
  t.is(c.stackPort, 4101);
  t.is(c.flowsDir, 'src/flows');
  t.is(c.outputDir, 'gen');
  t.is(c.branch, 'main');
  t.is(c.tagPrefix, 'b-');
  t.is(c.debounceMs, 75);
  t.is(c.resyncSeconds, 60);
  t.is(c.validate, 'smoke');
  t.is(c.secrets, 'scrub');
  t.deepEqual(c.langserve, { urls: ['http://127.0.0.1:4101'], token: 'tok' });
  t.is(c.telemetry.phoenix, 'http://127.0.0.1:6006');
  t.is(c.telemetry.serviceName, 'svc');
  t.deepEqual(c.webhook.require, ['api_key', 'signature']);
  t.is(c.gitToken?.source, 'GIT_TOKEN');
  t.is(c.gitToken?.read(), 'gt');
  t.false(JSON.stringify(c).includes('"gt"'), 'serialising the config must not show the git token');
});

test('GIT_TOKEN_FILE is read at use time', (t) => {
  const dir = repoWith('slug: acme\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = path.join(dir, 'token');
  const c = loadConfig(dir, { GIT_TOKEN_FILE: tokenFile });
  writeFileSync(tokenFile, 'first\n');
  t.is(c.gitToken?.read(), 'first');
  writeFileSync(tokenFile, 'second\n');
  t.is(c.gitToken?.read(), 'second');
});

test('one error lists every problem with its key', (t) => {
  const dir = repoWith('slug: Acme!\ndebounce_ms: soon\nvalidate: always\ndebounse_ms: 3\nlangserve: { token: s3cret }\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const err = t.throws(() => loadConfig(dir, { FLOWC_STACK_PORT: 'x' }), { instanceOf: FlowcErrors }) as FlowcErrors;
  t.is(err.kind, 'config');
  const fields = err.errors.map((e) => e.where.field).sort();
  t.deepEqual(fields, ['debounce_ms', 'debounse_ms', 'langserve.token', 'slug', 'stack_port (from FLOWC_STACK_PORT)', 'validate']);
  t.false(err.describe().includes('s3cret'), 'the error must not echo a secret');
  t.regex(err.describe(), /LANGSERVE_RESTART_TOKEN/);
});

test('a missing flowc.yaml says how to make one; FLOWC_SLUG is enough', (t) => {
  const dir = repoWith(undefined);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const err = t.throws(() => loadConfig(dir, {})) as FlowcErrors;
  t.regex(err.describe(), /flowc init/);
  t.is(loadConfig(dir, { FLOWC_SLUG: 'beta' }).branch, 'tenant/beta');
});

test('bad YAML and paths escaping the repo are refused', (t) => {
  const bad = repoWith('slug: [acme\n');
  const esc = repoWith('slug: acme\nflows_dir: ../elsewhere\noutput_dir: /abs\n');
  t.teardown(() => { rmSync(bad, { recursive: true, force: true }); rmSync(esc, { recursive: true, force: true }); });
  t.throws(() => loadConfig(bad, {}), { instanceOf: FlowcErrors });
  const err = t.throws(() => loadConfig(esc, {})) as FlowcErrors;
  t.deepEqual(err.errors.map((e) => e.where.field).sort(), ['flows_dir', 'output_dir']);
});

test('issue 14 #6: an output, tests or flows dir inside .git is refused, naming the key', (t) => {
  const dir = repoWith('slug: acme\noutput_dir: .git/hooks\ntests_dir: sub/.GIT/x\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const err = t.throws(() => loadConfig(dir, {})) as FlowcErrors;
  t.deepEqual(err.errors.map((e) => e.where.field).sort(), ['output_dir', 'tests_dir']);
  t.regex(err.describe(), /must not be inside \.git/);
  const plain = repoWith('slug: acme\n');
  t.teardown(() => rmSync(plain, { recursive: true, force: true }));
  t.throws(() => loadConfig(plain, { FLOWC_OUTPUT_DIR: '.git/x' }), { instanceOf: FlowcErrors }, 'from the environment too');
});

test('LANGSERVE_URL sets the host to reload; FLOWC_LANGSERVE_URL wins over it', (t) => {
  const dir = repoWith('slug: acme\nlangserve:\n  url: http://127.0.0.1:1\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.deepEqual(loadConfig(dir, {}).langserve.urls, ['http://127.0.0.1:1']);
  t.deepEqual(loadConfig(dir, { LANGSERVE_URL: 'http://127.0.0.1:2' }).langserve.urls, ['http://127.0.0.1:2']);
  t.deepEqual(loadConfig(dir, { LANGSERVE_URL: 'http://127.0.0.1:2', FLOWC_LANGSERVE_URL: 'http://127.0.0.1:3' }).langserve.urls, ['http://127.0.0.1:3']);
  // Host replicas: several URLs, separated by commas or spaces.
  t.deepEqual(loadConfig(dir, { LANGSERVE_URL: 'http://a:8000, http://b:8000 http://c:8000' }).langserve.urls, ['http://a:8000', 'http://b:8000', 'http://c:8000']);
  const bad = t.throws(() => loadConfig(dir, { LANGSERVE_URL: 'http://a:8000,not a url' })) as { errors?: Array<{ message: string; where?: { field?: string } }> };
  t.like(bad.errors?.[0], { message: 'expected a URL, or several separated by commas' });
  t.regex(String(bad.errors?.[0]?.where?.field), /langserve\.url/);
});
