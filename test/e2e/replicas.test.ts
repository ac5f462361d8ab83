/**
 * Issue 16, line 1, with real processes on loopback: one `flowc reconcile --once` (the built CLI),
 * a bare tenant remote and three generated hosts under uvicorn, each on its own clone of the remote
 * and following it (FLOWC_HOST_FOLLOW); the third runs as the manifests run a replica
 * (scripts/host-replica.sh: clone, update at every start, serve). After a build every host serves
 * the new answer; a host that was down during the build serves it within 10 s of starting (and is
 * ready only then); a host flowc was not told about catches up by polling; a client loop running
 * through the reload gets no error.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { flowc } from '../cli/flowc.js';
import { tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { pythonBin, repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { freePort } from '../helpers/net.js';

const TOKEN = 'replicas-e2e-token-5b1f0c93';
const FIXTURE = path.join(repoRoot, 'test/fixtures/host/support.json');

/** The fixture flow whose system prompt is `prompt` (the stub answers with the system prompt). */
function flowWithPrompt(prompt: string): string {
  const flow = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  flow.data.nodes.find((n: { data?: { type?: string } }) => n.data?.type === 'Prompt').data.node.template.template.value = prompt;
  return JSON.stringify(flow, null, 2);
}

let repo: TenantRepo;
let stub: OpenAIStub;
const ports: number[] = [];
const clones: string[] = [];
const hosts: Array<RunningHost | undefined> = [];

async function answer(port: number): Promise<{ status: number; text?: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/support-bot/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: 'which build?', session_id: `replica-${port}` } }),
  });
  const body = (await res.json().catch(() => ({}))) as { output?: { text?: string } };
  return { status: res.status, ...(body.output?.text === undefined ? {} : { text: body.output.text }) };
}

const start = (i: number) => {
  const env = { OPENAI_BASE_URL: stub.url, FLOWC_HOST_POLL_SECONDS: '1', FLOWC_DATA_DIR: path.join(path.dirname(clones[i]!), `data${i}`) };
  if (i < 2) return startHost({ repoRoot: clones[i]!, token: TOKEN, port: ports[i]!, env: { ...env, FLOWC_HOST_FOLLOW: 'origin' } });
  // As the manifests run a replica: the script clones (first start) or updates its clone, then serves.
  return startHost({
    repoRoot: repoRoot,
    token: TOKEN,
    port: ports[i]!,
    command: [path.join(repoRoot, 'scripts/host-replica.sh')],
    readyPath: '/readyz',
    env: { ...env, TENANT_REPO_URL: repo.remote!, FLOWC_SLUG: 'acme', FLOWC_HOST_DIR: clones[i]!, HOST: '127.0.0.1', PYTHON: pythonBin() },
  });
};

const reconcile = (urls: number[]) =>
  flowc(['--repo', repo.dir, 'reconcile', '--once', '--json'], {
    env: { LANGSERVE_URL: urls.map((p) => `http://127.0.0.1:${p}`).join(','), FLOWC_LANGSERVE_URL: undefined, LANGSERVE_RESTART_TOKEN: TOKEN, FLOWC_RELOAD_RETRIES: '1', FLOWC_RELOAD_BACKOFF_MS: '50', FLOWC_VALIDATE: 'compile' },
  });

test.before(async () => {
  repo = await tenantRepo({ slug: 'acme' });
  stub = await startOpenAIStub();
  // The answer names the build: the stub replies with the flow's system prompt.
  stub.reply = (req) => String(req.body.messages.find((m) => m.role === 'system')?.content ?? '');
  repo.write('flows/support.json', flowWithPrompt('build one'));
  const first = await reconcile([]);
  if (first.code !== 0) throw new Error(`first build failed: ${first.stdout}${first.stderr}`);
  for (let i = 0; i < 3; i++) {
    ports.push(await freePort());
    const clone = path.join(path.dirname(repo.dir), `host${i}`);
    if (i < 2) execFileSync('git', ['clone', '-q', '--branch', repo.branch, repo.remote!, clone]);
    clones.push(clone);
  }
  for (let i = 0; i < 3; i++) hosts.push(await start(i));
});

test.after.always(async () => {
  await Promise.all(hosts.map((h) => h?.stop()));
  await stub?.close();
  await repo?.cleanup();
});

test.serial('every replica serves the build; one down during the next build serves it within 10 s of starting; no request fails during the reload', async (t) => {
  for (const p of ports) t.is((await answer(p)).text, 'build one');

  await hosts[2]!.stop();
  hosts[2] = undefined;
  // A client loop on the two live replicas, through the whole reload.
  let running = true;
  const outcomes: Array<{ status: number; text?: string }> = [];
  const loop = (async () => {
    while (running) {
      for (const p of ports.slice(0, 2)) outcomes.push(await answer(p).catch((err: Error) => ({ status: 0, text: err.message })));
    }
  })();

  repo.write('flows/support.json', flowWithPrompt('build two'));
  const build = await reconcile(ports);
  const report = JSON.parse(build.stdout) as { builds: unknown[]; reload?: { state: string; detail?: string } };
  t.is(report.builds.length, 1, build.stdout);
  // The replica that is down keeps the reload pending (retried later); the others reloaded.
  t.regex(JSON.stringify(report), new RegExp(`127\\.0\\.0\\.1:${ports[2]}`));
  for (const p of ports.slice(0, 2)) t.is((await answer(p)).text, 'build two');
  running = false;
  await loop;
  const errors = outcomes.filter((o) => o.status !== 200 || (o.text !== 'build one' && o.text !== 'build two'));
  t.true(outcomes.length > 4, `${outcomes.length} requests during the reload`);
  t.deepEqual(errors, [], 'no request failed during the reload');

  const began = Date.now();
  hosts[2] = await start(2);
  let served: string | undefined;
  while (Date.now() - began < 10_000 && served !== 'build two') served = (await answer(ports[2]!)).text;
  t.is(served, 'build two', 'the replica that was down serves the new build within 10 s of starting');
  t.log(`replica 3 served the new build ${Date.now() - began} ms after it was started`);
  const ready = await fetch(`http://127.0.0.1:${ports[2]}/readyz`);
  t.is(ready.status, 200);
  t.is(((await ready.json()) as { commit: string }).commit, (await repo.git('rev-parse', 'HEAD')).trim(), 'readiness reports the commit served');
});

test.serial('a replica flowc does not tell about the build catches up on its own (it polls the remote)', async (t) => {
  repo.write('flows/support.json', flowWithPrompt('build three'));
  // flowc knows only the first replica.
  const build = await reconcile(ports.slice(0, 1));
  t.is(build.code, 0, build.stdout + build.stderr);
  t.is((await answer(ports[0]!)).text, 'build three');
  const began = Date.now();
  const served: Array<string | undefined> = [];
  for (const p of ports.slice(1)) {
    let text: string | undefined;
    while (Date.now() - began < 10_000 && text !== 'build three') {
      text = (await answer(p)).text;
      if (text !== 'build three') await new Promise((r) => setTimeout(r, 200));
    }
    served.push(text);
  }
  t.deepEqual(served, ['build three', 'build three']);
  t.log(`the other replicas followed within ${Date.now() - began} ms`);
});
