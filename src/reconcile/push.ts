/**
 * Publishing builds: push the branch and the pending build tags in one atomic push. A remote that
 * moved (another clone pushed) is not fought: flowc fetches, moves onto the remote tip keeping
 * the flow changes of its own unpublished builds, and the caller regenerates there. A remote that
 * is down costs nothing: the build stays local and is pushed on a later pass.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../git/git.js';
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

type RebaseGit = Pick<Git, 'fetch' | 'head' | 'mergeBase' | 'diffNames' | 'changedPaths' | 'show' | 'resetKeep' | 'deleteTag'>;

/**
 * Moves onto the remote tip after a rejected push. The generated outputs of our unpublished
 * builds are dropped (they are regenerated on the new tip); the flow files those builds committed
 * are carried over into the work tree, so no saved flow is lost. Uncommitted edits are kept
 * (`reset --keep` refuses rather than overwrite them).
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
  const edited = await git.changedPaths([o.flowsDir]); // newer than our commit: leave as they are
  const carry: Array<{ path: string; content: Buffer | undefined }> = [];
  for (const c of ours) {
    if (edited.has(c.path) || path.posix.basename(c.path).startsWith('.')) continue;
    carry.push({ path: c.path, content: c.status === 'D' ? undefined : await git.show(head, c.path) });
  }
  // `reset --keep` refuses to overwrite uncommitted files the move changes: set exactly those aside.
  // A file saved between that look and the reset makes it refuse all the same: look again.
  const moving = new Set((await git.diffNames(head, tip, '.')).map((c) => c.path));
  for (let attempt = 1; ; attempt++) {
    const blocking = new Set([...(await git.changedPaths(['.']))].filter((p) => moving.has(p)));
    try {
      await withEditsAside(git, o.root, head, tip, blocking, () => git.resetKeep(tip));
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  for (const c of carry) {
    const abs = path.join(o.root, c.path);
    if (c.content === undefined) await unlink(abs).catch(() => {});
    else {
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, c.content);
    }
  }
  return { tip, carried: carry.map((c) => c.path) };
}

/**
 * Uncommitted files the move would change — a flow saved here that the other clone also pushed,
 * outputs of a build that never got committed — are newer than anything in git and stay as they
 * are (flows) or get regenerated (outputs), but `reset --keep` refuses to overwrite them. So they
 * are set aside for the move (the work tree shows HEAD's version) and put back after it, unless
 * someone wrote the file in the meantime (then that write is newer still).
 */
async function withEditsAside(git: Pick<Git, 'show'>, root: string, head: string, tip: string, edited: Set<string>, move: () => Promise<void>): Promise<void> {
  const aside: Array<{ path: string; mine: Buffer | undefined; placed: Buffer | undefined }> = [];
  for (const p of edited) {
    const abs = path.join(root, p);
    const mine = await readFile(abs).catch(() => undefined);
    const placed = await git.show(head, p);
    aside.push({ path: p, mine, placed });
    if (placed === undefined) await unlink(abs).catch(() => {});
    else await writeFile(abs, placed);
  }
  const same = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined ? b === undefined : b !== undefined && a.equals(b));
  let moved = false;
  try {
    await move();
    moved = true;
  } finally {
    for (const a of aside) {
      const abs = path.join(root, a.path);
      const now = await readFile(abs).catch(() => undefined);
      if (!same(now, a.placed) && !(moved && same(now, await git.show(tip, a.path)))) continue; // written meanwhile
      if (a.mine === undefined) await unlink(abs).catch(() => {});
      else {
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, a.mine);
      }
    }
  }
}
