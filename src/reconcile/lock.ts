/**
 * One writer per repo: `.git/flowc/lock`, created exclusively, holding the owner's pid, host and
 * process start time. A lock whose owner is gone (crashed, killed -9) is stale and is taken over,
 * so a crash can never leave the repo stuck; the start time guards against a recycled pid.
 */
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { FlowcError } from '../errors.js';

export interface Owner {
  pid: number;
  host: string;
  start?: string;
  since: string;
  /** What the owner runs: a watcher reconciles on its own, a one-shot pass ends soon. */
  mode?: 'watch' | 'once';
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

/** Start time of a process (Linux /proc); undefined elsewhere. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // cannot tell: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const st = startTime(owner.pid);
  return !(owner.start && st && st !== owner.start);
}

export async function tryLock(gitDir: string, mode: 'watch' | 'once' = 'once'): Promise<Lock | { heldBy: Owner }> {
  const dir = path.join(gitDir, 'flowc');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const me: Owner = { pid: process.pid, host: hostname(), start: startTime(process.pid), since: new Date().toISOString(), mode };
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, file); // atomic: fails when the lock exists
        return { file, release: () => unlink(file).catch(() => {}) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(file);
      if (owner && alive(owner)) return { heldBy: owner };
      // Stale: move it aside under a unique name; only the process whose rename took the stale
      // file removes it, and a live lock moved by mistake is put back.
      const aside = `${tmp}.stale`;
      try {
        await rename(file, aside);
      } catch {
        continue;
      }
      const moved = await readOwner(aside);
      if (moved && alive(moved)) await link(aside, file).catch(() => {});
      await unlink(aside).catch(() => {});
    }
    const owner = await readOwner(file);
    return { heldBy: owner ?? { pid: 0, host: '?', since: '?' } };
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock, waiting up to `waitMs` for a live owner to finish. A watcher never finishes:
 * with `deferToWatcher`, its owner record is returned at once instead (it reconciles by itself).
 */
export async function acquireLock(gitDir: string, waitMs: number, opts: { deferToWatcher?: boolean; sleep?: (ms: number) => Promise<void> } = {}): Promise<Lock | { watcher: Owner }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await tryLock(gitDir);
    if ('release' in r) return r;
    if (opts.deferToWatcher && r.heldBy.mode === 'watch') return { watcher: r.heldBy };
    if (Date.now() >= deadline) {
      throw new FlowcError('lock', `another flowc (pid ${r.heldBy.pid} on ${r.heldBy.host}, since ${r.heldBy.since}) is reconciling this repo`, {
        where: { file: path.join(gitDir, 'flowc', 'lock') },
        hint: 'wait for it to finish, or stop it; a crashed owner is detected and its lock taken over',
        transient: true,
      });
    }
    await sleep(200);
  }
}
