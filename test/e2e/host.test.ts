/**
 * The generated LangServe host under a real uvicorn, with hand-written flow modules that follow the
 * compiled-flow contract (test/fixtures/host) and langchain-openai calling the OpenAI stub over
 * HTTP. One host process serves every serial test in this file (Python start-ups are costly).
 * Issue 4 lines 1, 3 and 5 at the host level; the flowc-driven versions are in host-reconcile.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileServer } from '../../src/codegen/server.js';
import { FlowcError } from '../../src/errors.js';
import { reloadHost } from '../../src/langserve/reload.js';
import { pythonBin, repoRoot, spawnHost, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';

const TOKEN = 'host-e2e-token-5b1f0c2e9d';
const FIXTURES = path.join(repoRoot, 'test/fixtures/host');
const HELLO = readFileSync(path.join(FIXTURES, 'flow_hello.py'), 'utf8');

let dir: string;
let flows: string;
let stub: OpenAIStub;
let host: RunningHost;

const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();

const commitAll = (message: string) => {
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);
  return git('rev-parse', 'HEAD');
};

/** A flow module like flow_hello.py with another system prompt / endpoint. */
const helloVariant = (prompt: string, endpoint = 'hello') =>
  HELLO.replace('SYSTEM_PROMPT = "You are a helpful assistant."', `SYSTEM_PROMPT = ${JSON.stringify(prompt)}`)
    .replace('ENDPOINT = "hello"', `ENDPOINT = ${JSON.stringify(endpoint)}`)
    .replace('FLOW_ID = "hello"', `FLOW_ID = ${JSON.stringify(endpoint)}`);

const invoke = async (endpoint: string, input: string) => {
  const res = await fetch(`${host.url}/${endpoint}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: input, session_id: 's1' } }),
  });
  return { status: res.status, body: (await res.json()) as { output?: string } };
};

const restart = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
  const res = await fetch(`${host.url}/restart`, { method: 'POST', headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const healthz = async () => (await (await fetch(`${host.url}/healthz`)).json()) as Record<string, any>;

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-host-'));
  flows = path.join(dir, 'app/flows/acme');
  mkdirSync(flows, { recursive: true });
  const server = compileServer({ slug: 'acme' });
  writeFileSync(path.join(dir, server.path), server.content);
  writeFileSync(path.join(flows, 'flow_hello.py'), HELLO);
  // Present from the start: start-up is lenient (serves what loads and answers its schema),
  // /restart is strict.
  for (const name of ['flow_broken.py', 'flow_noschema.py', 'flow_badschema.py']) copyFileSync(path.join(FIXTURES, name), path.join(flows, name));
  git('init', '-q', '-b', 'tenant/acme');
  commitAll('initial');
  stub = await startOpenAIStub();
  host = await startHost({ repoRoot: dir, token: TOKEN, env: { OPENAI_BASE_URL: stub.url } });
});

test.after.always(async () => {
  await host?.stop();
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.serial('start-up serves the flows that load and smoke-test, and reports the others in /healthz', async (t) => {
  const health = await healthz();
  t.is(health.generation, 1);
  t.deepEqual(health.routes.map((r: any) => r.path), ['/hello']);
  t.is(health.commit, git('rev-parse', 'HEAD'));
  const errors = Object.fromEntries(health.errors.map((e: { file: string; error: string }) => [e.file.replace('app/flows/acme/', ''), e.error]));
  t.deepEqual(Object.keys(errors).sort(), ['flow_badschema.py', 'flow_broken.py', 'flow_noschema.py']);
  t.regex(errors['flow_broken.py'], /RuntimeError: this flow cannot be imported \(line 8\)/);
  t.regex(errors['flow_noschema.py'], /add_routes failed/);
  t.regex(errors['flow_badschema.py'], /input schema failed: RuntimeError/);
});

test.serial('POST /hello/invoke answers with the model reply, fetched over HTTP from the stub', async (t) => {
  const before = stub.requests.length;
  const { status, body } = await invoke('hello', 'What is flowc?');
  t.is(status, 200);
  t.is(body.output, 'system: You are a helpful assistant.\nuser: What is flowc?');
  t.is(stub.requests.length, before + 1);
  t.is(stub.requests.at(-1)!.body.model, 'gpt-4o-mini');
});

test.serial('a flow raising at import → 422 naming file and line; generation unchanged; old routes answer', async (t) => {
  const { status, body } = await restart();
  t.is(status, 422);
  t.is(body.file, 'app/flows/acme/flow_broken.py');
  t.regex(body.error, /RuntimeError: this flow cannot be imported \(line 8\)/);
  t.is(body.generation, 1);
  t.is((await healthz()).generation, 1);
  t.is((await invoke('hello', 'still there?')).status, 200);
  // Through flowc's client: a terminal reload error carrying the host's reason.
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: TOKEN, backoffMs: 5 }), { instanceOf: FlowcError });
  t.false(err!.transient);
  t.is(err!.where.file, 'app/flows/acme/flow_broken.py');
  for (const name of ['flow_broken.py', 'flow_noschema.py', 'flow_badschema.py']) rmSync(path.join(flows, name));
});

test.serial('a changed prompt is served after /restart even with a stale .pyc of the same size and mtime; same PID', async (t) => {
  const pid = host.pid;
  // The trap `importlib` falls into: a cached .pyc whose recorded source mtime and size still
  // match after the rewrite (same length, mtime put back) would be served instead of the source.
  const file = path.join(flows, 'flow_hello.py');
  execFileSync(pythonBin(), ['-m', 'py_compile', file]);
  t.true(readdirSync(path.join(flows, '__pycache__')).some((f) => f.startsWith('flow_hello.')));
  const { atime, mtime, size } = statSync(file);
  const prompt = 'You are a terse pirate robo.';
  t.is(prompt.length, 'You are a helpful assistant.'.length);
  writeFileSync(file, helloVariant(prompt));
  utimesSync(file, atime, mtime);
  t.is(statSync(file).size, size);
  const expected = commitAll('new prompt');
  const result = await reloadHost({ url: host.url, token: TOKEN, expectedCommit: expected });
  t.is(result.generation, 2);
  t.is(result.commit, expected);
  const { body } = await invoke('hello', 'Ahoy?');
  t.is(body.output, 'system: You are a terse pirate robo.\nuser: Ahoy?');
  t.is(host.pid, pid);
  t.is((await healthz()).generation, 2);
});

test.serial('a request in flight finishes on the old generation while the new one is swapped in', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const inModel = new Promise<void>((resolve) => (arrived = resolve));
  const echo = stub.reply;
  stub.reply = async (req, n) => {
    arrived();
    await gate;
    return typeof echo === 'function' ? echo(req, n) : echo;
  };
  t.teardown(() => void (stub.reply = echo));
  const inFlight = invoke('hello', 'slow question');
  await inModel;
  writeFileSync(path.join(flows, 'flow_hello.py'), helloVariant('Generation three speaks.'));
  // The reload completes while the old app still holds the request.
  const reloaded = await restart();
  t.is(reloaded.status, 200);
  t.is(reloaded.body.generation, 3);
  stub.reply = echo;
  release();
  const old = await inFlight;
  t.is(old.status, 200);
  t.is(old.body.output, 'system: You are a terse pirate robo.\nuser: slow question');
  t.is((await invoke('hello', 'fast')).body.output, 'system: Generation three speaks.\nuser: fast');
});

test.serial('concurrent restarts are serialised: consecutive generations, none lost', async (t) => {
  writeFileSync(path.join(flows, 'flow_second.py'), helloVariant('Second flow.', 'second'));
  const replies = await Promise.all([restart(), restart(), restart()]);
  t.deepEqual(replies.map((r) => r.status), [200, 200, 200]);
  t.deepEqual(replies.map((r) => r.body.generation).sort(), [4, 5, 6]);
  const health = await healthz();
  t.is(health.generation, 6);
  t.deepEqual(health.routes.map((r: any) => r.path), ['/hello', '/second']);
  t.is((await invoke('second', 'hi')).body.output, 'system: Second flow.\nuser: hi');
});

test.serial('two flows claiming one endpoint → 422 naming both files', async (t) => {
  writeFileSync(path.join(flows, 'flow_twin.py'), helloVariant('Twin.', 'second'));
  t.teardown(() => rmSync(path.join(flows, 'flow_twin.py'), { force: true }));
  const { status, body } = await restart();
  t.is(status, 422);
  t.regex(body.error, /flow_twin\.py.*'second'.*flow_second\.py/);
  t.is((await healthz()).generation, 6);
});

test.serial('add_routes failure, in-process smoke failure, syntax error → 422 naming the flow; generation unchanged', async (t) => {
  const plant = (name: string) => copyFileSync(path.join(FIXTURES, name), path.join(flows, name));
  plant('flow_noschema.py'); // LangServe cannot build its input model
  plant('flow_badschema.py'); // mounts, but GET input_schema fails
  t.teardown(() => {
    rmSync(path.join(flows, 'flow_noschema.py'), { force: true });
    rmSync(path.join(flows, 'flow_badschema.py'), { force: true });
  });
  let { status, body } = await restart();
  t.is(status, 422);
  t.is(body.file, 'app/flows/acme/flow_noschema.py');
  t.regex(body.error, /add_routes failed: .*JsonSchema/);
  rmSync(path.join(flows, 'flow_noschema.py'));
  ({ status, body } = await restart());
  t.is(status, 422);
  t.is(body.file, 'app/flows/acme/flow_badschema.py');
  t.regex(body.error, /input schema failed: RuntimeError: no input schema for this request/);
  rmSync(path.join(flows, 'flow_badschema.py'));
  writeFileSync(path.join(flows, 'flow_syntax.py'), 'FLOW_ID = "syntax"\n\ndef broken(:\n    pass\n');
  t.teardown(() => rmSync(path.join(flows, 'flow_syntax.py'), { force: true }));
  ({ status, body } = await restart());
  t.is(status, 422);
  t.is(body.file, 'app/flows/acme/flow_syntax.py');
  t.regex(body.error, /SyntaxError: .*\(line 3\)/);
  t.is((await healthz()).generation, 6);
  t.is((await invoke('hello', 'ok?')).status, 200);
});

test.serial('X-Expected-Commit the checkout does not contain → 409, generation unchanged', async (t) => {
  const { status, body } = await restart({ authorization: `Bearer ${TOKEN}`, 'x-expected-commit': 'f'.repeat(40) });
  t.is(status, 409);
  t.regex(body.error, /does not contain commit f{40}/);
  t.is((await healthz()).generation, 6);
});

test.serial('wrong or missing token → 401, and the token never reaches the host log', async (t) => {
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
    const { status, body } = await restart(headers as Record<string, string>);
    t.is(status, 401, JSON.stringify(headers));
    t.deepEqual(body, { error: 'missing or wrong bearer token' });
  }
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: 'nope', backoffMs: 5 }), { instanceOf: FlowcError });
  t.regex(err!.message, /rejected the restart token \(HTTP 401\)/);
  t.is((await healthz()).generation, 6);
  t.false(host.output().includes(TOKEN));
});

test.serial('a changed app/server.py is reported (its own code needs a process restart)', async (t) => {
  t.false((await healthz()).server_changed);
  const server = path.join(dir, 'app/server.py');
  writeFileSync(server, `${readFileSync(server, 'utf8')}\n# a newer host\n`);
  const { status, body } = await restart();
  t.is(status, 200);
  t.is(body.generation, 7);
  t.true(body.server_changed);
  t.regex(host.output(), /app\/server\.py changed since start-up/);
});

test('refuses to start without LANGSERVE_RESTART_TOKEN', async (t) => {
  const { child, exited, output } = spawnHost({ repoRoot: dir });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a host that starts anyway fails the test
  t.not(await exited, 0);
  clearTimeout(timer);
  t.regex(output(), /LANGSERVE_RESTART_TOKEN is not set; refusing to start/);
});
