/**
 * Watch mode (`flowc reconcile`) as a real long-running process on real repos: a dropped file is
 * committed; a burst of 200 files is built in a few coalesced commits; a file written slowly is
 * never compiled half-written; SIGTERM during a build leaves it whole or absent, and exits 0.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeSync, closeSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { pythonPath } from './flowc.js';

interface Watcher {
  child: ChildProcess;
  logs: () => string;
  exit: Promise<number | null>;
}

function startWatch(r: TenantRepo, env: Record<string, string> = {}): Watcher {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--no-listen'], {
    env: { ...process.env, FLOWC_LOG_LEVEL: 'info', FLOWC_PYTHON: pythonPath(), FLOWC_DEBOUNCE_MS: '150', FLOWC_VALIDATE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code, signal) => {
    if (signal) out += `\n(killed by ${signal})`;
    resolve(code);
  }));
  return { child, logs: () => out, exit };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** state.json records the pass's outcome at its end (it may exist earlier: push/reload intent). */
const firstPassDone = (r: TenantRepo) => existsSync(path.join(r.dir, '.git/flowc/state.json')) && !!JSON.parse(readFileSync(path.join(r.dir, '.git/flowc/state.json'), 'utf8')).lastPass;
const commits = async (r: TenantRepo) => Number(await r.git('rev-list', '--count', 'HEAD'));
const started = (w: Watcher) => waitFor('reconciler start', async () => /reconciler started/.test(w.logs()));

async function stop(w: Watcher): Promise<number | null> {
  if (w.child.exitCode === null) w.child.kill('SIGTERM');
  return w.exit;
}

test('a dropped file is committed; a burst of 200 files is built in a few coalesced commits', async (t) => {
  const r = await tenantRepo();
  const w = startWatch(r);
  t.teardown(async () => { await stop(w); await r.cleanup(); });
  await started(w);
  await waitFor('first pass', async () => firstPassDone(r));
  const base = await commits(r);
  const tagsBefore = (await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean).length;
  r.write('flows/first.json', chatFlow());
  await waitFor('first build', async () => (await r.git('log', '-1', '--format=%s')).startsWith('codegen:') && (await r.git('ls-files', 'app/flows/acme/flow_first.py')));
  t.is(await commits(r), base + 1);

  const afterFirst = await commits(r);
  for (let i = 0; i < 200; i++) r.write(`flows/burst-${String(i).padStart(3, '0')}.json`, chatFlow({ prompt: `Burst flow ${i}.` }));
  await waitFor('all 200 built and committed', async () => {
    const files = (await r.git('ls-files', 'app/flows/acme')).split('\n').filter((f) => /flow_burst_\d{3}\.py$/.test(f));
    return files.length === 200;
  }, 120_000);
  const builds = (await commits(r)) - afterFirst;
  t.true(builds >= 1 && builds <= 10, `${builds} commits for a burst of 200`);
  t.is(await r.git('status', '--porcelain'), '');
  const tags = (await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean);
  t.is(tags.length, tagsBefore + 1 + builds, 'one tag per build');
  t.is(await stop(w), 0);
});

test('a file written slowly in pieces is never compiled half-written', async (t) => {
  const r = await tenantRepo();
  const w = startWatch(r, { FLOWC_DEBOUNCE_MS: '300' });
  t.teardown(async () => { await stop(w); await r.cleanup(); });
  await started(w);
  // Keep the reconciler busy meanwhile, so passes run while the slow file is half-written.
  r.write('flows/other.json', chatFlow());
  const text = chatFlow({ prompt: 'Written slowly.' });
  const fd = openSync(path.join(r.dir, 'flows/slow.json'), 'w');
  const pieces = 8;
  for (let i = 0; i < pieces; i++) {
    writeSync(fd, text.slice((i * text.length) / pieces, ((i + 1) * text.length) / pieces));
    await new Promise((res) => setTimeout(res, 60));
  }
  closeSync(fd);
  await waitFor('slow flow built', async () => (await r.git('ls-files', 'app/flows/acme/flow_slow.py')) !== '');
  t.is(await r.git('show', 'HEAD:flows/slow.json').catch(() => r.git('log', '--all', '-1', '--format=%H', '--', 'flows/slow.json').then((h) => r.git('show', `${h}:flows/slow.json`))), text);
  // No pass ever reported it failed (a half-written file is "settling", not a bad flow).
  t.false(/slow/.test(w.logs().split('\n').filter((l) => /"level":(40|50)|WARN|ERROR/.test(l)).join('\n')), w.logs());
  for (const c of (await r.git('rev-list', 'HEAD', '--', 'flows/slow.json')).split('\n').filter(Boolean)) {
    t.notThrows(() => JSON.parse(text), c);
    t.is(await r.git('show', `${c}:flows/slow.json`), text);
  }
  t.is(await stop(w), 0);
});

test('SIGTERM during a build: the build lands whole or not at all, and the process exits 0', async (t) => {
  const r = await tenantRepo();
  const w = startWatch(r, { FLOWC_DEBOUNCE_MS: '50' });
  t.teardown(async () => { await stop(w); await r.cleanup(); });
  await started(w);
  await waitFor('first pass', async () => firstPassDone(r));
  const base = await r.git('rev-parse', 'HEAD');
  for (let i = 0; i < 60; i++) r.write(`flows/f${i}.json`, chatFlow({ prompt: `Flow ${i}.` }));
  // Signal as soon as the build is under way (outputs appearing in the work tree).
  await waitFor('build in flight', async () => existsSync(path.join(r.dir, 'app/flows/acme')) && readdirSync(path.join(r.dir, 'app/flows/acme')).length > 0, 60_000);
  w.child.kill('SIGTERM');
  t.is(await w.exit, 0, w.logs());
  const head = await r.git('rev-parse', 'HEAD');
  const dirty = await r.git('status', '--porcelain', '--untracked-files=all', 'app', 'tests');
  t.log(head === base ? 'signal arrived before the build was recorded' : 'the build in flight was completed');
  if (head === base) {
    t.is(dirty, '', 'no build: no generated file left behind');
  } else {
    // Whole: tagged, and every flow it names has all three outputs in the commit.
    const tag = await r.git('tag', '--points-at', 'HEAD');
    t.regex(tag, /^bld-acme-/);
    const tree = new Set((await r.git('ls-tree', '-r', '--name-only', 'HEAD')).split('\n'));
    const ids = [...(await r.git('log', '-1', '--format=%(trailers:key=Flow-Id,valueonly)')).matchAll(/^(\S+)$/gm)].map((m) => m[1]!);
    t.true(ids.length > 0);
    for (const id of ids) for (const f of [`app/flows/acme/flow_${id}.py`, `app/flows/acme/runner_${id}.py`, `tests/smoke/test_${id}.py`, `flows/${id}.json`]) t.true(tree.has(f), f);
    t.is(dirty, '', 'nothing generated is left uncommitted');
  }
  t.false(existsSync(path.join(r.dir, '.git/flowc/lock')), 'lock released');
});

test('issue 14 #5: an output folder the first build creates is watched: a hand edit there is undone without waiting for the resync', async (t) => {
  const r = await tenantRepo();
  t.false(existsSync(path.join(r.dir, 'app')), 'a fresh tenant: no output folders yet');
  const w = startWatch(r, { FLOWC_RESYNC_SECONDS: '3600' });
  t.teardown(async () => { await stop(w); await r.cleanup(); });
  await started(w);
  await waitFor('first pass', async () => firstPassDone(r));
  const before = await commits(r);
  r.write('flows/a.json', chatFlow());
  await waitFor('the build', async () => (await commits(r)) > before);
  // Let the pass that follows a build (it re-reads what git holds) come and go first.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const module = path.join(r.dir, 'app/flows/acme/flow_a.py');
  const generated = readFileSync(module, 'utf8');
  r.write('app/flows/acme/flow_a.py', `${generated}# a hand edit\n`);
  await waitFor('the hand edit undone', async () => readFileSync(module, 'utf8') === generated, 30_000);
  t.pass();
});
