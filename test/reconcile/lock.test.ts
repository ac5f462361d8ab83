import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLock, tryLock } from '../../src/reconcile/lock.js';
import { FlowcError } from '../../src/errors.js';

function gitDir(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('one holder at a time; released on release', async (t) => {
  const dir = gitDir(t);
  const a = await tryLock(dir);
  t.true('release' in a);
  const b = await tryLock(dir);
  t.false('release' in b);
  if (!('release' in b)) t.is(b.heldBy.pid, process.pid);
  await t.throwsAsync(acquireLock(dir, 300), { instanceOf: FlowcError, message: /another flowc \(pid \d+/ });
  if ('release' in a) await a.release();
  const c = await tryLock(dir);
  t.true('release' in c);
  if ('release' in c) await c.release();
});

test('a lock left by a crashed process (kill -9) is taken over', async (t) => {
  const dir = gitDir(t);
  // A real process takes the lock and is killed -9 while holding it.
  const child = spawn(process.execPath, ['--import=tsx', '-e', `
    const { tryLock } = await import(${JSON.stringify(path.resolve('src/reconcile/lock.ts'))});
    const l = await tryLock(${JSON.stringify(dir)});
    console.log('release' in l ? 'locked' : 'busy');
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
  const held = await tryLock(dir);
  t.false('release' in held, 'held while the owner lives');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  t.is(JSON.parse(readFileSync(path.join(dir, 'flowc/lock'), 'utf8')).pid, child.pid, 'the dead owner left its lock behind');
  const taken = await tryLock(dir);
  t.true('release' in taken);
  if ('release' in taken) await taken.release();
  t.false(existsSync(path.join(dir, 'flowc/lock')));
});

test('a recycled pid (same pid, different start time) does not keep a stale lock alive', async (t) => {
  const dir = gitDir(t);
  mkdirSync(path.join(dir, 'flowc'));
  writeFileSync(path.join(dir, 'flowc/lock'), JSON.stringify({ pid: process.pid, host: hostname(), start: '1', since: 'then' }));
  const l = await tryLock(dir);
  t.true('release' in l);
  if ('release' in l) await l.release();
});

test('a one-shot pass defers to a running watcher instead of waiting for it', async (t) => {
  const dir = gitDir(t);
  const w = await tryLock(dir, 'watch');
  t.true('release' in w);
  const r = await acquireLock(dir, 5_000, { deferToWatcher: true });
  t.true('watcher' in r);
  if ('watcher' in r) t.is(r.watcher.pid, process.pid);
  await t.throwsAsync(acquireLock(dir, 100), { instanceOf: FlowcError });
  if ('release' in w) await w.release();
});
