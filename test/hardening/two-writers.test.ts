/**
 * Issue 9 (2): two `flowc reconcile` watchers on two clones of one bare remote, 200 flow changes
 * between them (140 new flows, then 60 edits) → the remote holds every change exactly once, its
 * tree equals a fresh `--once` build of its flows, and its branch only ever moved forward (the
 * remote's reflog: every update is a fast-forward; no commit was force-pushed over another).
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitIn, repoRoot, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc, pythonPath } from '../cli/flowc.js';

const env = { FLOWC_VALIDATE: 'none', FLOWC_DEBOUNCE_MS: '80', FLOWC_RESYNC_SECONDS: '4' };
const blob = (s: string) => createHash('sha1').update(`blob ${Buffer.byteLength(s)}\0`).update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watcher(r: TenantRepo): { child: ChildProcess; stop(): Promise<number | null>; logs(): string } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--no-listen'], {
    env: { ...process.env, FLOWC_LOG_LEVEL: process.env.TW_LOG ?? 'warn', FLOWC_PYTHON: pythonPath(), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return {
    child,
    logs: () => logs,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return closed;
    },
  };
}

/** flow id → blob id of its file on the remote tip. */
async function remoteFlows(remote: string, branch: string): Promise<Map<string, string>> {
  const out = await gitIn(remote, 'ls-tree', '-r', `refs/heads/${branch}`, 'flows/');
  const m = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [meta, file] = line.split('\t');
    if (file!.endsWith('.json')) m.set(path.basename(file!, '.json'), meta!.split(' ')[2]!);
  }
  return m;
}

async function until(what: string, fn: () => Promise<boolean>, ms: number, logs: () => string) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}\n${logs().slice(-3000)}`);
    await sleep(200);
  }
}

test('two watchers, two clones, 200 changes: each lands exactly once, nothing force-pushed, tree = a fresh build', async (t) => {
  const a = await tenantRepo();
  t.teardown(() => a.cleanup());
  await gitIn(a.remote!, 'config', 'core.logAllRefUpdates', 'always');
  const b = await a.clone();
  const wa = watcher(a);
  const wb = watcher(b);
  t.teardown(async () => {
    await wa.stop();
    await wb.stop();
  });
  const logs = () => `--- A\n${wa.logs()}\n--- B\n${wb.logs()}`;

  const want = new Map<string, string>(); // flow id → content it must end with
  const changes: Array<{ id: string; blob: string }> = [];
  const put = (r: TenantRepo, id: string, content: string) => {
    r.write(`flows/${id}.json`, content);
    want.set(id, content);
    changes.push({ id, blob: blob(content) });
  };
  let diagnosis = '';
  const diagnose = () => diagnosis;
  const landed = async () => {
    const remote = await remoteFlows(a.remote!, a.branch);
    const missing = [...want].filter(([id, c]) => remote.get(id) !== blob(c)).map(([id]) => id);
    const at = async (r: TenantRepo, id: string) => `work ${r.exists(`flows/${id}.json`) ? blob(r.read(`flows/${id}.json`)).slice(0, 7) : '-'} head ${(await r.git('rev-parse', `HEAD:flows/${id}.json`).catch(() => '-')).slice(0, 7)}`;
    diagnosis = (await Promise.all(missing.slice(0, 5).map(async (id) => `${id}: want ${blob(want.get(id)!).slice(0, 7)} remote ${(remote.get(id) ?? '-').slice(0, 7)}; A ${await at(a, id)}; B ${await at(b, id)}`))).join('\n');
    return missing.length === 0;
  };

  // Phase 1: 70 new flows per clone, dropped in small interleaved batches.
  for (let i = 0; i < 70; i += 5) {
    for (let j = i; j < i + 5; j++) {
      put(a, `a${j}`, chatFlow({ prompt: `A flow ${j}.` }));
      put(b, `b${j}`, chatFlow({ prompt: `B flow ${j}.` }));
    }
    await sleep(300); // > debounce: batches become builds of their own, racing the other clone
  }
  await until('140 new flows on the remote', landed, 150_000, logs);
  // Phase 2: 30 edits per clone, each of a flow the other clone created (it arrived by pulling).
  for (let i = 0; i < 30; i += 5) {
    for (let j = i; j < i + 5; j++) {
      put(a, `b${j}`, chatFlow({ prompt: `B flow ${j}, edited in A.` }));
      put(b, `a${j}`, chatFlow({ prompt: `A flow ${j}, edited in B.` }));
    }
    await sleep(300); // > debounce: batches become builds of their own, racing the other clone
  }
  t.is(changes.length, 200);
  await until('every edit on the remote', landed, 150_000, () => `${logs()}\n${diagnose()}`);
  // Let both settle: outputs on the remote tip match its flows (checked below), then stop them.
  await until('remote converged', async () => (await flowc(['--repo', await freshClone(a, t), 'reconcile', '--check'], { env })).code === 0, 60_000, logs);
  t.is(await wa.stop(), 0, logs());
  t.is(await wb.stop(), 0, logs());

  // Every change exactly once: walk the remote's history, count the commits that introduce each version.
  const tip = await gitIn(a.remote!, 'rev-parse', `refs/heads/${a.branch}`);
  const seen = new Map<string, number>();
  const revs = (await gitIn(a.remote!, 'rev-list', '--reverse', tip)).split('\n');
  const writers: string[] = []; // which clone each phase-1 build came from, in history order
  for (const rev of revs) {
    const diff = await gitIn(a.remote!, 'diff-tree', '-r', '--no-commit-id', '--root', rev, '--', 'flows/');
    for (const line of diff.split('\n').filter(Boolean)) {
      const [meta, file] = line.split('\t');
      const dst = meta!.split(' ')[3]!;
      if (!file!.endsWith('.json') || /^0+$/.test(dst)) continue;
      const key = `${path.basename(file!, '.json')}@${dst}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const who = path.basename(file!)[0]!;
      if (/^[ab]\d+\.json$/.test(path.basename(file!)) && meta!.split(' ')[4] === 'A' && writers.at(-1) !== who) writers.push(who);
    }
  }
  // Both wrote; the phase-2 edits (each clone editing the other's flows) forced moves onto the
  // other's pushes (an edited flow file used to block `reset --keep` there for good).
  t.log(`${revs.length} commits on the remote; phase-1 writer runs: ${writers.join('')}`);
  t.is(writers.length >= 2 ? '' : writers.join(''), '', 'both clones published builds');
  // Moving onto the remote goes file by file and cannot refuse (docs/hardening.md): no pass fails.
  t.deepEqual(logs().split('\n').filter((l) => l.includes('reconcile pass failed')), [], 'a pass failed');
  for (const c of changes) t.is(seen.get(`${c.id}@${c.blob}`), 1, `${c.id}: change ${c.blob.slice(0, 8)} recorded ${seen.get(`${c.id}@${c.blob}`) ?? 0} times`);
  t.is(seen.size, 200, 'no version that nobody wrote');

  // Nothing force-pushed: every update of the remote branch was a fast-forward.
  const reflog = (await gitIn(a.remote!, 'reflog', 'show', '--format=%H', `refs/heads/${a.branch}`)).split('\n').filter(Boolean).reverse();
  t.true(reflog.length > 2, `remote reflog has ${reflog.length} entries`);
  for (let i = 1; i < reflog.length; i++) {
    t.is((await gitIn(a.remote!, 'merge-base', '--is-ancestor', reflog[i - 1]!, reflog[i]!).then(() => 0, () => 1)), 0, `${reflog[i - 1]} → ${reflog[i]} is not a fast-forward`);
  }
  // Every published build tag is part of the final history.
  for (const tag of (await gitIn(a.remote!, 'tag', '-l', 'bld-acme-*')).split('\n').filter(Boolean)) {
    t.is(await gitIn(a.remote!, 'merge-base', '--is-ancestor', tag, tip).then(() => 0, () => 1), 0, tag);
  }

  // The final tree equals a fresh --once build of the same flows: rebuilding from scratch changes nothing.
  const fresh = await freshClone(a, t);
  await gitIn(fresh, 'remote', 'remove', 'origin');
  rmSync(path.join(fresh, 'app'), { recursive: true, force: true });
  rmSync(path.join(fresh, 'tests'), { recursive: true, force: true });
  const built = await flowc(['--repo', fresh, 'reconcile', '--once'], { env });
  t.is(built.code, 0, built.stderr + built.stdout);
  t.is(await gitIn(fresh, 'rev-parse', 'HEAD'), tip, 'a fresh build of the remote flows made a different tree');
  t.is(await gitIn(fresh, 'status', '--porcelain', '--untracked-files=all'), '');
});

async function freshClone(a: TenantRepo, t: { teardown(fn: () => void): void }): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-fresh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await gitIn(dir, 'clone', '-q', '-b', a.branch, a.remote!, '.');
  await gitIn(dir, 'config', 'user.name', 'Fresh');
  await gitIn(dir, 'config', 'user.email', 'fresh@example.invalid');
  return dir;
}
