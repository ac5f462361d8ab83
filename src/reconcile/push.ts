/**
 * Publishing builds: push the branch and the pending build tags in one atomic push. A remote that
 * moved (another clone pushed) is not fought: flowc fetches, moves onto the remote tip keeping
 * the flow changes of its own unpublished builds, and the caller regenerates there. A remote that
 * is down costs nothing: the build stays local and is pushed on a later pass.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../git/git.js';
import { writeAtomic } from './atomic.js';
import { fault } from './faults.js';

export type PushStatus =
  | { state: 'no-remote' }
  | { state: 'pushed'; tags: string[] }
  | { state: 'rejected'; detail: string }
  | { state: 'pending'; detail: string };

type PushGit = Pick<Git, 'push' | 'hasRemote' | 'resolve'>;

export async function push(git: PushGit, remote: string, branch: string, tags: string[]): Promise<PushStatus> {
  if (!(await git.hasRemote(remote))) return { state: 'no-remote' };
  const present = (await Promise.all(tags.map(async (t) => ((await git.resolve(`refs/tags/${t}`)) ? t : undefined)))).filter((t): t is string => !!t);
  const pushing = git.push(remote, [`refs/heads/${branch}:refs/heads/${branch}`, ...present.map((t) => `refs/tags/${t}:refs/tags/${t}`)]);
  fault('during-push'); // git runs in its own process group: the push goes on, and may land, without us
  const r = await pushing;
  if (r.ok) return { state: 'pushed', tags: present };
  return r.reason === 'rejected' ? { state: 'rejected', detail: r.detail } : { state: 'pending', detail: r.detail };
}

type RebaseGit = Pick<Git, 'fetch' | 'head' | 'mergeBase' | 'diffNames' | 'changedPaths' | 'show' | 'resetMixed' | 'deleteTag' | 'historyBlobs' | 'blobId'>;

/**
 * Moves onto the remote tip after a rejected push. The generated outputs of our unpublished
 * builds are dropped (they are regenerated on the new tip); the flow files those builds committed
 * are carried over into the work tree when the remote never held them, so no saved flow is lost;
 * a flow saved but not yet built stays as it is.
 */
export async function moveOntoRemote(git: RebaseGit, o: { root: string; remote: string; branch: string; tagPrefix: string; flowsDir: string; pendingTags: string[] }): Promise<{ tip: string; carried: string[] }> {
  // Our unpublished tags name commits that will never be published (the push is atomic, so none
  // of them reached the remote); drop them first so fetching the remote's tags cannot clash.
  // A tag that did reach the remote (a crash after a push) comes back with the fetch.
  for (const t of o.pendingTags) await git.deleteTag(t);
  const tip = await git.fetch(o.remote, o.branch, o.tagPrefix);
  const head = await git.head();
  if (!tip || !head) throw new Error(`remote branch ${o.branch} not found after a rejected push`);
  const base = await git.mergeBase(head, tip);
  const ours = await git.diffNames(base, head, o.flowsDir);
  // A flow whose work-tree content differs from our commit is a newer save: leave it as it is.
  // Compared by content (git status can report a stale index entry as a change).
  const differs = async (p: string) => !same(await readFile(path.join(o.root, p)).catch(() => undefined), await git.show(head, p));
  // Carry only what the remote has not seen: a version of ours that the remote's history already
  // holds was published (perhaps under another commit) and then changed over there, so the tip's
  // version is newer. A version the remote never held is a local save not yet published: it wins.
  const carry: Array<{ path: string; content: Buffer | undefined; tip: Buffer | undefined }> = [];
  for (const c of ours) {
    if (path.posix.basename(c.path).startsWith('.') || (await differs(c.path))) continue;
    const [mine, atTip] = await Promise.all([c.status === 'D' ? undefined : git.show(head, c.path), git.show(tip, c.path)]);
    if (same(mine, atTip)) continue;
    if (mine !== undefined) {
      const blob = await git.blobId(head, c.path);
      if (blob && (await git.historyBlobs(tip, c.path)).has(blob)) continue;
    }
    carry.push({ path: c.path, content: mine, tip: atTip });
  }
  // Move HEAD and the index only, then bring the work tree along file by file, replacing a file only
  // while it still holds our commit's version. (`reset --keep` checked the whole tree first and
  // wrote it after: a flow saved in between — seconds under load — was overwritten, unseen.)
  const moving = await git.diffNames(head, tip, '.');
  await git.resetMixed(tip);
  for (const c of moving) {
    const abs = path.join(o.root, c.path);
    const [now, was, next] = await Promise.all([readFile(abs).catch(() => undefined), git.show(head, c.path), git.show(tip, c.path)]);
    if (!same(now, was)) continue; // saved since our commit (newer than both), or already the tip's
    if (next === undefined) await unlink(abs).catch(() => {});
    else {
      await mkdir(path.dirname(abs), { recursive: true });
      await writeAtomic(abs, next);
    }
  }
  const carried: string[] = [];
  for (const c of carry) {
    const abs = path.join(o.root, c.path);
    // The move put the tip's version here; anything else is a save made during the move: it wins.
    if (!same(await readFile(abs).catch(() => undefined), c.tip)) continue;
    if (c.content === undefined) await unlink(abs).catch(() => {});
    else {
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, c.content);
    }
    carried.push(c.path);
  }
  return { tip, carried };
}

const same = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined ? b === undefined : b !== undefined && a.equals(b));
