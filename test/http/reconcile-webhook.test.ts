/**
 * The webhook with the real reconciler: `flowc reconcile` (watch mode, built CLI) on a real tenant
 * repo with a bare remote, its listener on 127.0.0.1:0. Rebuild (`npm run build`) before running.
 *
 * - Acceptance 4: 500 concurrent signed deliveries (200 flows, 300 repeats with their own
 *   webhook-ids) → each flow stored once, built exactly once, none lost, /status shows all Synced.
 * - Acceptance 5: a literal key (in a secret field, or pasted into a prompt) is refused, whether it
 *   comes through the webhook or is dropped into flows/ directly; the error names node, field and
 *   rule; `git log -p --all` (work repo and remote) never contains the value.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { keys } from '../guard/keys.js';
import { repoRoot, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { deliver, newSecret, request, signedHeaders, type Res } from './helpers.js';

const apiKey = 'it-' + 'bld-key-0123456789';

interface Watch {
  child: ChildProcess;
  url: string;
  logs(): string;
  stop(): Promise<number | null>;
}

async function startWatch(r: TenantRepo, secret: string): Promise<Watch> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--listen', '127.0.0.1:0'], {
    env: {
      ...process.env,
      FLOWC_LOG_LEVEL: 'info',
      FLOWC_DEBOUNCE_MS: '150',
      FLOWC_VALIDATE: 'none', // the build, not Python, is under test here; keeps the suite lean
      BLD_KEY: apiKey,
      FLOWC_WEBHOOK_SECRET: secret,
      FLOWC_WEBHOOK_REQUIRE: 'api_key,signature',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await waitFor('listener URL', async () => /"listen":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1] ?? (child.exitCode !== null ? fail(out) : undefined));
  await waitFor('first pass', async () => (await request(url, { path: '/readyz' })).status === 200);
  return {
    child,
    url,
    logs: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

const fail = (out: string): never => {
  throw new Error(`flowc reconcile exited early:\n${out.slice(-2000)}`);
};

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, explain?: () => Promise<string>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${explain ? `\n${await explain()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sender that behaves like a Standard Webhooks client: retries 429/503 with the same id. */
async function send(url: string, secret: string, body: string): Promise<Res> {
  const headers = { 'x-api-key': apiKey, ...signedHeaders(secret, body) };
  for (let attempt = 0; ; attempt++) {
    const res = await deliver(url, body, headers);
    if ((res.status !== 429 && res.status !== 503) || attempt > 400) return res;
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
  }
}

const withId = (json: string, id: string): string => JSON.stringify({ ...JSON.parse(json), id });

interface StatusFlow {
  id: string;
  status: string;
  reason: string | null;
  inputSha256: string | null;
}
const statusFlows = async (url: string): Promise<StatusFlow[]> => (await request(url, { path: '/status' })).json.flows;

test.serial('500 concurrent signed deliveries (200 flows, some repeated): each built exactly once, none lost, all Synced', async (t) => {
  const r = await tenantRepo();
  const secret = newSecret();
  let w: Watch | undefined;
  t.teardown(async () => {
    await w?.stop();
    await r.cleanup();
  });
  w = await startWatch(r, secret);
  const base = Number(await r.git('rev-list', '--count', 'HEAD'));

  const ids = Array.from({ length: 200 }, (_, i) => `wh-${String(i).padStart(3, '0')}`);
  const bodies = new Map(ids.map((id, i) => [id, withId(chatFlow({ prompt: `You are flow number ${i}.` }), id)]));
  // 200 firsts + 300 repeats of the same content (a double save), shuffled, all at once.
  const order = [...ids, ...Array.from({ length: 300 }, (_, i) => ids[(i * 7) % 200]!)].sort(() => Math.random() - 0.5);
  const replies = await Promise.all(order.map((id) => send(w!.url, secret, bodies.get(id)!)));

  t.deepEqual([...new Set(replies.map((x) => x.status))], [202], 'every delivery accepted in the end');
  const queued = replies.filter((x) => x.json.status === 'queued').map((x) => x.json.flowId as string);
  t.is(queued.length, 200, 'each distinct content stored once; the repeats were "unchanged"');
  t.deepEqual([...new Set(queued)].sort(), ids);

  const flows = await waitFor('all 200 flows Synced', async () => {
    const fs = (await statusFlows(w!.url)).filter((f) => f.id.startsWith('wh-'));
    return fs.length === 200 && fs.every((f) => f.status === 'Synced') && fs;
  }, async () => `${JSON.stringify((await statusFlows(w!.url)).filter((f) => f.status !== 'Synced').slice(0, 3))}\n${w!.logs().slice(-1500)}`);
  // Exactly one build per flow: its Flow-Id trailer appears in exactly one commit, with the hash /status reports.
  const log = await r.git('log', '--format=%B%x00');
  t.true(Number(await r.git('rev-list', '--count', 'HEAD')) > base);
  for (const f of flows) {
    const commits = log.split('\0').filter((m) => m.includes(`Flow-Id: ${f.id}\n`));
    t.is(commits.length, 1, `${f.id} built ${commits.length} times`);
    t.true(commits[0]?.includes(`Flow-Id: ${f.id}\nFlow-Sha256: ${f.inputSha256}`) === true, `${f.id} built from the content now in flows/`);
  }
  for (const id of ids) t.is(r.read(`flows/${id}.json`), bodies.get(id)!);
  t.is(await r.git('status', '--porcelain'), '');

  // The same story in /metrics: 500 deliveries answered 202, builds and pushes counted, 200+ flows Synced.
  const metrics = (await request(w.url, { path: '/metrics' })).body;
  t.regex(metrics, /flowc_webhook_requests_total\{code="202"\} 500\n/);
  t.regex(metrics, /flowc_builds_total\{result="ok"\} [1-9]/);
  t.regex(metrics, /flowc_pushes_total\{result="ok"\} [1-9]/);
  t.regex(metrics, /flowc_reconcile_duration_seconds_count\{result="ok"\} [1-9]/);
  t.true(Number(/flowc_flows\{state="Synced"\} (\d+)/.exec(metrics)?.[1]) >= 200);
  t.is(await w.stop(), 0);
});

test.serial('a literal API key — in a secret field or pasted into a prompt — is refused and never reaches git', async (t) => {
  const r = await tenantRepo();
  const secret = newSecret();
  let w: Watch | undefined;
  t.teardown(async () => {
    await w?.stop();
    await r.cleanup();
  });
  w = await startWatch(r, secret);

  const fieldKey = keys.openai();
  const promptKey = keys.anthropic();
  const dropFieldKey = keys.openai();
  const dropPromptKey = keys.github();
  const values = [fieldKey, promptKey, dropFieldKey, dropPromptKey];
  const inField = (id: string, value: string) => {
    const flow = JSON.parse(withId(chatFlow(), id));
    for (const n of flow.data.nodes) if (n.data.node.template.api_key) Object.assign(n.data.node.template.api_key, { value, load_from_db: false });
    return JSON.stringify(flow, null, 2);
  };
  const inPrompt = (id: string, value: string) => withId(chatFlow({ prompt: `You are helpful. Our key is ${value}, never share it.` }), id);

  // Through the webhook: refused at the door with node, field and rule; nothing written.
  for (const [body, node, field, rule] of [
    [inField('hook-field', fieldKey), 'LanguageModelComponent-cccc3', 'api_key', 'openai-api-key'],
    [inPrompt('hook-prompt', promptKey), 'Prompt-bbbb2', 'template', 'anthropic-api-key'],
  ] as const) {
    const res = await send(w.url, secret, body);
    t.is(res.status, 400);
    t.regex(res.json.findings.join('\n'), new RegExp(`node ${node}, field ${field}: literal secret \\(rule ${rule}\\)`));
    for (const v of values) t.false(res.body.includes(v));
  }
  t.false(r.exists('flows/hook-field.json'));
  t.false(r.exists('flows/hook-prompt.json'));

  // Dropped into flows/ directly (not through the webhook), beside a good flow: the reconciler refuses them.
  r.write('flows/drop-field.json', inField('drop-field', dropFieldKey));
  r.write('flows/drop-prompt.json', inPrompt('drop-prompt', dropPromptKey));
  r.write('flows/drop-good.json', withId(chatFlow({ prompt: 'A clean flow.' }), 'drop-good'));
  const flows = await waitFor('the drops reconciled', async () => {
    const fs = await statusFlows(w!.url);
    const by = new Map(fs.map((f) => [f.id, f]));
    return by.get('drop-good')?.status === 'Synced' && by.get('drop-field')?.status === 'Failed' && by.get('drop-prompt')?.status === 'Failed' && by;
  }, async () => `${JSON.stringify(await statusFlows(w!.url))}\n${w!.logs().slice(-1500)}`);
  t.regex(flows.get('drop-field')!.reason!, /LanguageModelComponent-cccc3.*api_key/);
  t.regex(flows.get('drop-prompt')!.reason!, /flows\/drop-prompt\.json:\d+ node Prompt-bbbb2 field template \(github-token\)/);

  // Nowhere in history, in the remote, in the status or the logs.
  const history = await r.git('log', '-p', '--all');
  t.true(history.includes('drop-good'), 'the clean flow was committed');
  const remoteHistory = await r.git('--git-dir', r.remote!, 'log', '-p', '--all');
  const statusText = (await request(w.url, { path: '/status' })).body;
  for (const v of values) {
    t.false(history.includes(v), 'work repo history');
    t.false(remoteHistory.includes(v), 'remote history');
    t.false(statusText.includes(v), '/status');
    t.false(w.logs().includes(v), 'flowc logs');
  }
  t.is(await w.stop(), 0);
});

test.serial('a listener that cannot start (auth misconfigured, port taken) stops flowc reconcile with exit 2', async (t) => {
  const r = await tenantRepo();
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    taken.close();
    await r.cleanup();
  });
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', ...args], {
        env: { ...process.env, FLOWC_LOG_LEVEL: 'warn', FLOWC_VALIDATE: 'none', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a hang fails the test, not the suite
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  const misconfigured = await run(['--listen', '127.0.0.1:0'], { FLOWC_WEBHOOK_REQUIRE: 'signature', FLOWC_WEBHOOK_SECRET: '', BLD_KEY: apiKey });
  t.is(misconfigured.code, 2, misconfigured.out);
  t.regex(misconfigured.out, /webhook\.require lists signature but FLOWC_WEBHOOK_SECRET is not set/);
  const port = (taken.address() as net.AddressInfo).port;
  const busy = await run(['--listen', `127.0.0.1:${port}`], { BLD_KEY: apiKey });
  t.is(busy.code, 2, busy.out);
  t.regex(busy.out, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
});
