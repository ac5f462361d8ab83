/**
 * Issue 15 #3: a push to the tenant repo made by someone else (another clone, an edit on the git
 * host) reaches a running `flowc reconcile` as a GitHub-style signed delivery on POST /hooks/push:
 * flowc fetches, moves onto the remote tip and converges (the new flow built and pushed). A wrongly
 * signed delivery is 401 and changes nothing. Real processes, a real bare remote.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { pythonPath } from './flowc.js';
import { freePort } from '../helpers/net.js';

const SECRET = 'push-secret-for-the-test-7f3a';
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a signed GitHub push delivery makes flowc fetch and converge; a wrongly signed one is 401 and changes nothing', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, FLOWC_LOG_LEVEL: 'info', FLOWC_PYTHON: pythonPath(), FLOWC_VALIDATE: 'none', FLOWC_DEBOUNCE_MS: '100', FLOWC_PUSH_SECRET: SECRET, BLD_KEY: 'bld-test-key-123', FLOWC_RESYNC_SECONDS: '3600' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  // The watcher finishes its pass before the repo is removed (teardowns run last-added first).
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  await waitFor('the listener', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  // The first pass (the tenant files) is built and pushed before anyone else pushes.
  await waitFor('the first pass', async () => JSON.parse(readFileSync(path.join(r.dir, '.git/flowc/state.json'), 'utf8')).lastPass && !JSON.parse(readFileSync(path.join(r.dir, '.git/flowc/state.json'), 'utf8')).push.pending);

  // Someone else pushes a flow to the tenant branch.
  const other = await r.clone();
  other.write('flows/pushed.json', chatFlow({ prompt: 'Pushed by someone else.' }));
  await other.git('add', 'flows/pushed.json');
  await other.git('commit', '-qm', 'a flow saved elsewhere');
  await other.git('push', '-q', 'origin', r.branch);
  const body = JSON.stringify({ ref: `refs/heads/${r.branch}`, after: (await other.git('rev-parse', 'HEAD')).trim() });
  const deliver = (signature: string) =>
    fetch(`http://127.0.0.1:${port}/hooks/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });

  const remoteTip = async () => (await r.git('ls-remote', 'origin', `refs/heads/${r.branch}`)).split('\t')[0];
  const before = await remoteTip();
  const bad = await deliver(`sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
  t.is(bad.status, 401);
  await new Promise((res) => setTimeout(res, 1500));
  t.is(await remoteTip(), before, 'a wrongly signed delivery changes nothing');
  t.false(r.exists('flows/pushed.json'), 'nothing was fetched into the work tree');

  const good = await deliver(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
  t.is(good.status, 202);
  t.deepEqual(await good.json(), { status: 'fetching' });
  // flowc fetched, built the pushed flow on the remote's tip and pushed the build.
  await waitFor('the build of the pushed flow on the remote', async () => {
    // Looked at from the other clone: flowc's own repo is left to flowc.
    await other.git('fetch', '-q', 'origin');
    return (await other.git('ls-tree', '-r', '--name-only', `origin/${r.branch}`)).includes('app/flows/acme/flow_pushed.py');
  });
  t.true(r.exists('app/flows/acme/flow_pushed.py'), logs);
  t.regex(await other.git('log', '-1', '--format=%s', `origin/${r.branch}`), /^codegen: acme v/);
  // A push to another branch is acknowledged and ignored.
  const elsewhere = JSON.stringify({ ref: 'refs/heads/main' });
  const ignored = await fetch(`http://127.0.0.1:${port}/hooks/push`, { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(elsewhere).digest('hex')}` }, body: elsewhere });
  t.is(ignored.status, 202);
  t.is(((await ignored.json()) as { status: string }).status, 'ignored');
});
