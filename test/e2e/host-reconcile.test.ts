/**
 * Issue 4 end to end with real processes on loopback: `flowc reconcile --once` (built CLI) on a
 * tenant repo with a bare remote, the generated host under uvicorn, a compiled LangFlow 1.10 chat
 * flow (test/fixtures/host/support.json, served at its endpoint name `support-bot`) calling the
 * OpenAI stub through langchain-openai. One host process for
 * the whole file; tests run in order and build on each other:
 *   line 4: host down → the build still commits; the reload stays pending and is retried (with
 *           backoff, see test/langserve/reload.test.ts) and succeeds once the host is back;
 *   line 1: the host serves the compiled flow: POST /support-bot/invoke answers with the stub's reply;
 *   line 2: change the prompt → reconcile calls /restart → new behaviour, same PID;
 *   line 3: a flow module raising at import → 422, generation unchanged, old routes answer,
 *           `flowc status` reports the reload failure.
 *   line 5: a wrong token → 401, reported by status; no token in any output (the host side:
 *           host.test.ts; constant-time comparison: hmac.compare_digest in the template);
 *   scope:  `python runner_<id>.py` still serves its one flow alone.
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { flowc } from '../cli/flowc.js';
import { repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { freePort } from '../helpers/net.js';

const TOKEN = 'reconcile-e2e-token-0d4e8a61';
const FIXTURE = path.join(repoRoot, 'test/fixtures/host/support.json');
const ORIGINAL_PROMPT = 'You are the flowc support bot.';

/** The fixture flow with another system prompt (the Prompt node's template). */
function flowWithPrompt(prompt: string): string {
  const flow = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const node = flow.data.nodes.find((n: any) => n.data?.type === 'Prompt');
  node.data.node.template.template.value = prompt;
  return JSON.stringify(flow, null, 2);
}

let repo: TenantRepo;
let stub: OpenAIStub;
let host: RunningHost | undefined;
let port: number;
let env: Record<string, string | undefined>;

const reconcile = () => flowc(['--repo', repo.dir, 'reconcile', '--once'], { env });
const status = async () => JSON.parse((await flowc(['--repo', repo.dir, 'status', '--json'], { env })).stdout);
const healthz = async () => (await (await fetch(`${host!.url}/healthz`)).json()) as Record<string, any>;
const invoke = async (text: string) => {
  const res = await fetch(`${host!.url}/support-bot/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: text, session_id: 'e2e' } }),
  });
  return { status: res.status, output: ((await res.json()) as { output?: { text: string } }).output };
};

test.before(async (t) => {
  repo = await tenantRepo({ slug: 'acme' });
  stub = await startOpenAIStub();
  port = await freePort();
  env = {
    LANGSERVE_URL: `http://127.0.0.1:${port}`, // the name issue 4 uses
    FLOWC_LANGSERVE_URL: undefined, // would win over LANGSERVE_URL
    LANGSERVE_RESTART_TOKEN: TOKEN,
    FLOWC_RELOAD_RETRIES: '2',
    FLOWC_RELOAD_BACKOFF_MS: '50',
  };
  t.log(`tenant repo ${repo.dir}, host port ${port}`);
});

test.after.always(async () => {
  await host?.stop();
  await stub?.close();
  await repo?.cleanup();
});

test.serial('line 4: host down → the build still commits and the reload stays pending', async (t) => {
  repo.write('flows/support.json', flowWithPrompt(ORIGINAL_PROMPT));
  const before = await repo.git('rev-parse', 'HEAD');
  const run = await reconcile();
  t.not(run.code, 0, 'a pending reload is not converged');
  const head = await repo.git('rev-parse', 'HEAD');
  t.not(head, before);
  t.regex(await repo.git('log', '-1', '--format=%s'), /^codegen: acme v/);
  t.true(repo.exists('app/server.py'));
  t.true(repo.exists('app/flows/acme/flow_support.py'));
  t.is(await repo.git('rev-parse', 'origin/tenant/acme'), head, 'pushed');
  const st = await status();
  t.true(st.reload.pending);
  t.regex(st.reload.lastError, /unreachable.*3 attempt/);
  t.false(JSON.stringify(st).includes(TOKEN));
  t.false(run.stdout.includes(TOKEN) || run.stderr.includes(TOKEN));
});

test.serial('line 1: the host serves the compiled flow; the stub answers over HTTP', async (t) => {
  host = await startHost({ repoRoot: repo.dir, token: TOKEN, port, env: { OPENAI_BASE_URL: stub.url } });
  const health = await healthz();
  t.is(health.generation, 1);
  t.deepEqual(health.routes.map((r: any) => r.path), ['/support-bot']);
  const requests = stub.requests.length;
  const { status: code, output } = await invoke('How do I start?');
  t.is(code, 200);
  t.is(output!.text, `system: ${ORIGINAL_PROMPT}\nuser: How do I start?`);
  t.is(stub.requests.length, requests + 1);
});

test.serial('line 4: once the host is back, the next pass retries the pending reload and succeeds', async (t) => {
  const run = await reconcile();
  t.is(run.code, 0, run.stderr);
  const st = await status();
  t.false(st.reload.pending);
  t.is(st.reload.generation, 2);
  const health = await healthz();
  t.is(health.generation, 2);
  t.is(health.commit, await repo.git('rev-parse', 'HEAD'));
});

test.serial('line 2: a changed prompt is served after reconcile calls /restart; same PID', async (t) => {
  const pid = host!.pid;
  repo.write('flows/support.json', flowWithPrompt('You answer like a ship captain.'));
  const run = await reconcile();
  t.is(run.code, 0, run.stderr);
  const health = await healthz();
  t.is(health.generation, 3);
  t.is(health.commit, await repo.git('rev-parse', 'HEAD'));
  t.is((await invoke('Ahoy?')).output!.text, 'system: You answer like a ship captain.\nuser: Ahoy?');
  t.is(host!.pid, pid);
  t.regex(host!.output(), /generation 3 serving 1 flow/);
});

test.serial('line 3: a flow module raising at import → 422; old generation serves; status reports it', async (t) => {
  // No flow the compiler accepts generates a module that raises at import, so one is planted
  // beside the generated ones (no flowc header: flowc leaves it alone, the host loads it).
  const planted = path.join(repo.dir, 'app/flows/acme/flow_planted.py');
  copyFileSync(path.join(repoRoot, 'test/fixtures/host/flow_broken.py'), planted);
  repo.write('flows/support.json', flowWithPrompt('This prompt must not be served yet.'));
  const run = await reconcile();
  t.not(run.code, 0);
  t.regex(await repo.git('log', '-1', '--format=%s'), /^codegen: acme v/, 'the build still commits');
  const st = await status();
  t.true(st.reload.pending);
  t.regex(st.reload.lastError, /HTTP 422/);
  t.regex(st.reload.lastError, /flow_planted\.py.*RuntimeError: this flow cannot be imported/);
  t.is((await healthz()).generation, 3);
  t.is((await invoke('Still there?')).output!.text, 'system: You answer like a ship captain.\nuser: Still there?');

  // Remove the bad module: the next pass retries the reload, the new prompt is served.
  rmSync(planted);
  const again = await reconcile();
  t.is(again.code, 0, again.stderr);
  t.is((await healthz()).generation, 4);
  t.is((await invoke('Now?')).output!.text, 'system: This prompt must not be served yet.\nuser: Now?');
});

test.serial('line 5: flowc with a wrong token → 401 reported as a token problem; no token in any output', async (t) => {
  const wrong = 'wrong-token-9f81c3';
  repo.write('flows/support.json', flowWithPrompt('Prompt five.'));
  const run = await flowc(['--repo', repo.dir, 'reconcile', '--once'], { env: { ...env, LANGSERVE_RESTART_TOKEN: wrong } });
  t.not(run.code, 0);
  const st = await status();
  t.true(st.reload.pending);
  t.regex(st.reload.lastError, /rejected the restart token \(HTTP 401\)/);
  t.is((await healthz()).generation, 4);
  for (const text of [run.stdout, run.stderr, JSON.stringify(st), host!.output()]) {
    t.false(text.includes(wrong));
    t.false(text.includes(TOKEN));
  }
});

test.serial('scope: the per-flow runner serves its flow alone (python runner_<id>.py, PORT from env)', async (t) => {
  const runner = await startHost({
    repoRoot: repo.dir,
    args: ['app/flows/acme/runner_support.py'],
    readyPath: '/support-bot/input_schema',
    env: { OPENAI_BASE_URL: stub.url, HOST: '127.0.0.1' },
  });
  t.teardown(() => runner.stop());
  t.not(runner.port, host!.port);
  const res = await fetch(`${runner.url}/support-bot/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: 'alone?' } }),
  });
  t.is(res.status, 200);
  t.is(((await res.json()) as { output: { text: string } }).output.text, 'system: Prompt five.\nuser: alone?');
  t.is((await fetch(`${runner.url}/healthz`)).status, 404, 'the runner is not the host');
});
