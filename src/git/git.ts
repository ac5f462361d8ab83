/**
 * The one typed module over the git CLI. Everything flowc does to a repository goes through here.
 * A build lands with one ref transaction that moves the branch and creates the tag together, so a
 * crash or a signal leaves the build either fully recorded or not at all; it is composed in a
 * private index, so whatever the user has staged is never swept into a flowc commit.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { FlowcError } from '../errors.js';
import { gitEnv, runGit, type ExecResult, type TokenSource } from './exec.js';

export interface GitOptions {
  cwd: string;
  token?: TokenSource;
  tokenUser?: string;
}

export interface BuildCommit {
  branch: string;
  /** Expected current tip (compare-and-swap); undefined for the first commit. */
  parent: string | undefined;
  /** Repo-relative paths to record as they are in the work tree now (missing → removed). */
  paths: string[];
  message: string;
  tag: { name: string; message: string };
  /** Called once the commit and tag objects exist, before the refs move (fault injection). */
  beforeRefs?: () => void;
}

/** Files handed to git's object database while a build is still being written (`objectStore`). */
export interface ObjectStore {
  add(paths: string[]): void;
  /** Waits until what was added is stored (or given up on). */
  close(): Promise<void>;
}

export type PushResult =
  | { ok: true }
  | { ok: false; reason: 'rejected'; detail: string }
  | { ok: false; reason: 'unreachable'; detail: string };

export interface TagRecord {
  tag: string;
  commit: string;
  time: string;
  message: string;
}

export type Git = ReturnType<typeof createGit>;

export function createGit(options: GitOptions) {
  const { cwd } = options;
  const git = (args: string[], extra: Partial<Parameters<typeof runGit>[0]> = {}): Promise<ExecResult> =>
    runGit({ cwd, args, token: options.token, tokenUser: options.tokenUser, ...extra } as Parameters<typeof runGit>[0]);
  const out = async (args: string[], extra: Partial<Parameters<typeof runGit>[0]> = {}) => (await git(args, extra)).stdout.trim();
  const nul = (paths: string[]) => paths.map((p) => `${p}\0`).join('');
  let identity: Promise<{ env: Record<string, string>; who: string }> | undefined;
  let gitDirP: Promise<string> | undefined;

  /** Commits need an identity; a bare CI box often has none, so flowc signs as itself there. Asked once. */
  const ident = () =>
    (identity ??= git(['var', 'GIT_COMMITTER_IDENT'], { allowFail: true }).then((r) => {
      if (r.code === 0) return { env: {}, who: r.stdout.trim().replace(/ \d+ [+-]\d{4}$/, '') };
      const env = { GIT_AUTHOR_NAME: 'flowc', GIT_AUTHOR_EMAIL: 'flowc@localhost', GIT_COMMITTER_NAME: 'flowc', GIT_COMMITTER_EMAIL: 'flowc@localhost' };
      return { env, who: 'flowc <flowc@localhost>' };
    }));

  const api = {
    cwd,
    run: git,

    /** Absolute path of the git directory (`.git`, or elsewhere for worktrees). */
    gitDir(): Promise<string> {
      return (gitDirP ??= out(['rev-parse', '--git-dir']).then((d) => path.resolve(cwd, d)));
    },

    async head(): Promise<string | undefined> {
      const r = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { allowFail: true });
      return r.code === 0 ? r.stdout.trim() : undefined;
    },

    async currentBranch(): Promise<string | undefined> {
      const r = await git(['symbolic-ref', '-q', '--short', 'HEAD'], { allowFail: true });
      return r.code === 0 ? r.stdout.trim() : undefined;
    },

    async resolve(ref: string): Promise<string | undefined> {
      const r = await git(['rev-parse', '--verify', '-q', `${ref}^{commit}`], { allowFail: true });
      return r.code === 0 ? r.stdout.trim() : undefined;
    },

    async hasRemote(remote: string): Promise<boolean> {
      return (await git(['remote', 'get-url', remote], { allowFail: true })).code === 0;
    },

    /** Paths under `pathspecs` that differ from HEAD (modified, added, deleted, untracked). */
    async changedPaths(pathspecs: string[]): Promise<Set<string>> {
      if (pathspecs.length === 0) return new Set();
      const r = await out(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...pathspecs]);
      const set = new Set<string>();
      for (const entry of r.split('\0')) if (entry.length > 3) set.add(entry.slice(3));
      return set;
    },

    /** Content of `path` at `rev`, or undefined when absent there. */
    async show(rev: string, file: string): Promise<Buffer | undefined> {
      const r = await git(['cat-file', 'blob', `${rev}:${file}`], { allowFail: true });
      return r.code === 0 ? Buffer.from(r.stdout, 'utf8') : undefined;
    },

    /**
     * Stores files in the object database as they are written (one `git hash-object -w
     * --stdin-paths`), so recording a burst only indexes objects that exist: compressing its
     * 2,000 files was ~1 s of the record, on one core, after every check. Best effort: a path it
     * cannot take (gone, or one a line cannot carry) is left to the record, which stores what is
     * missing.
     */
    objectStore(): ObjectStore {
      const child = spawn('git', ['hash-object', '-w', '--stdin-paths'], { cwd, env: gitEnv({}).env, stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      const exited = new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.once('error', () => resolve());
      });
      child.stdin.on('error', () => {}); // it stopped at a path it could not read: the record stores the rest
      return {
        add(paths) {
          const lines = paths.filter((p) => !/[\n"\\]/.test(p));
          if (lines.length && child.stdin.writable) child.stdin.write(lines.map((p) => `${p}\n`).join(''));
        },
        async close() {
          child.stdin.end();
          await exited;
        },
      };
    },

    /**
     * Records one build: private index from the parent, exactly `paths` from the work tree, commit,
     * annotated tag, then branch and tag in one atomic ref transaction. Returns undefined when the
     * paths already match the parent (nothing to commit). The user's index is then brought in line
     * for those paths only, while the caller goes on (to push): `inLine` settles when it is.
     */
    async commitBuild(b: BuildCommit): Promise<{ commit: string; tag: string; inLine: Promise<void> } | undefined> {
      const gitDir = await api.gitDir();
      // The build would be recorded but the user's index left behind it (every later pass then
      // sees "uncommitted" and commits nothing): wait for the lock to go instead.
      const locked = () => access(path.join(gitDir, 'index.lock')).then(() => true, () => false);
      const indexLocked = () =>
        new FlowcError('git', "git's index is locked (.git/index.lock exists): another git command is running, or one that crashed left the lock", {
          transient: true,
          hint: 'flowc retries on the next pass; if no git process is running, remove .git/index.lock',
        });
      if (await locked()) throw indexLocked();
      const dir = path.join(gitDir, 'flowc');
      const index = path.join(dir, `index.${process.pid}`);
      const idx = { GIT_INDEX_FILE: index };
      await mkdir(dir, { recursive: true });
      try {
        await git(b.parent ? ['read-tree', b.parent] : ['read-tree', '--empty'], { env: idx });
        // Each path as it is (no pathspec matching); a path gone from the work tree is removed. A
        // burst's objects are mostly stored already (objectStore): this only indexes them.
        if (b.paths.length) await git(['update-index', '--add', '--remove', '-z', '--stdin'], { env: idx, input: nul(b.paths) });
        const tree = await out(['write-tree'], { env: idx });
        if (b.parent && tree === (await out(['rev-parse', `${b.parent}^{tree}`]))) return undefined;
        const { env, who } = await ident();
        const commit = await out(['commit-tree', tree, ...(b.parent ? ['-p', b.parent] : []), '-F', '-'], { env, input: b.message });
        const tagger = `${who} ${Math.floor(Date.now() / 1000)} +0000`;
        const tagObject = `object ${commit}\ntype commit\ntag ${b.tag.name}\ntagger ${tagger}\n\n${b.tag.message.endsWith('\n') ? b.tag.message : `${b.tag.message}\n`}`;
        const tag = await out(['mktag'], { input: tagObject });
        const zero = '0'.repeat(40);
        b.beforeRefs?.();
        await git(['update-ref', '-m', `flowc: ${b.tag.name}`, '--stdin'], {
          input: `start\nupdate refs/heads/${b.branch} ${commit} ${b.parent ?? zero}\ncreate refs/tags/${b.tag.name} ${tag}\nprepare\ncommit\n`,
        });
        // The build is recorded. Bring the user's index in line for our paths (only); it refreshes
        // their stat data (~0.15 s for a burst's 2,000 files), which need not hold up the push.
        const inLine = git(['reset', '-q', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: nul(b.paths), allowFail: true }).then(async (reset) => {
          // Locked since we looked: the commit stands; the next pass brings the index in line.
          if (reset.code !== 0 && (await locked())) throw indexLocked();
        });
        inLine.catch(() => {}); // the caller awaits it, maybe after it settled
        return { commit, tag: b.tag.name, inLine };
      } finally {
        await rm(index, { force: true });
      }
    },

    /** Push refspecs atomically; a rejection (the remote moved) is told apart from an unreachable remote. */
    async push(remote: string, refspecs: string[]): Promise<PushResult> {
      const r = await git(['push', '--porcelain', '--atomic', remote, ...refspecs], { remote: true, allowFail: true });
      if (r.code === 0) return { ok: true };
      const lines = r.stdout.split('\n').filter((l) => /^[ +\-*!=]\t/.test(l));
      const rejected = lines.filter((l) => l.startsWith('!'));
      // A concurrent push that won the race on the remote's ref lock shows up as "remote rejected"
      // too (atomic transaction failed / cannot lock ref): that is the remote moving, not a refusal.
      const raced = (l: string) => /atomic transaction failed|failed to (update|lock) ref|cannot lock ref|incorrect old value/.test(l);
      if (rejected.some((l) => /remote rejected|pre-receive|hook declined/.test(l) && !raced(l))) {
        throw new FlowcError('git', `the remote refused the push: ${rejected.map((l) => l.split('\t').slice(1).join(' ')).join('; ')}`, {
          hint: 'check the remote branch protection and hooks',
        });
      }
      if (rejected.length) return { ok: false, reason: 'rejected', detail: rejected.map((l) => l.split('\t').slice(1).join(' ')).join('; ') };
      return { ok: false, reason: 'unreachable', detail: r.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ') || `exit ${r.code}` };
    },

    /** Fetches the branch (and flowc's build tags) and returns the remote tip, or undefined when the branch is not there yet. */
    async fetch(remote: string, branch: string, tagPrefix: string): Promise<string | undefined> {
      const tracking = `refs/remotes/${remote}/${branch}`;
      const r = await git(['fetch', '-q', '--no-tags', remote, `+refs/heads/${branch}:${tracking}`, `refs/tags/${tagPrefix}*:refs/tags/${tagPrefix}*`], { remote: true, allowFail: true });
      if (r.code !== 0) {
        if (/couldn't find remote ref/i.test(r.stderr)) return undefined;
        throw new FlowcError('git', `git fetch ${remote} failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`, { transient: true });
      }
      return api.resolve(tracking);
    },

    async mergeBase(a: string, b: string): Promise<string | undefined> {
      const r = await git(['merge-base', a, b], { allowFail: true });
      return r.code === 0 ? r.stdout.trim() : undefined;
    },

    /** Files under `dir` changed between `from` (or the empty tree) and `to`: path → added/modified/deleted. */
    async diffNames(from: string | undefined, to: string, dir: string): Promise<Array<{ status: 'A' | 'M' | 'D'; path: string }>> {
      const base = from ?? (await out(['hash-object', '-t', 'tree', '/dev/null']));
      const r = await out(['diff', '--name-status', '-z', '--no-renames', base, to, '--', dir]);
      const parts = r.split('\0').filter(Boolean);
      const res: Array<{ status: 'A' | 'M' | 'D'; path: string }> = [];
      for (let i = 0; i + 1 < parts.length; i += 2) res.push({ status: (parts[i]![0] as 'A' | 'M' | 'D') ?? 'M', path: parts[i + 1]! });
      return res;
    },

    /** Moves HEAD (and its branch) to `target`, keeping uncommitted changes; refuses when they would be overwritten. */
    async resetKeep(target: string): Promise<void> {
      await git(['reset', '-q', '--keep', target]);
    },

    /** Blob id of `file` at `rev`, or undefined when absent there. */
    async blobId(rev: string, file: string): Promise<string | undefined> {
      const r = await git(['rev-parse', '--verify', '-q', `${rev}:${file}`], { allowFail: true });
      return r.code === 0 ? r.stdout.trim() : undefined;
    },

    /** Blob ids `file` has held in the history of `rev` (every version ever committed there). */
    async historyBlobs(rev: string, file: string): Promise<Set<string>> {
      const r = await out(['log', '--format=', '--raw', '--no-abbrev', '--no-renames', rev, '--', file]);
      return new Set(r.split('\n').map((l) => l.split(/\s+/)[3]).filter((b): b is string => !!b && !/^0+$/.test(b)));
    },

    /** Moves HEAD (and its branch) and the index to `target`; the work tree is left as it is. */
    async resetMixed(target: string): Promise<void> {
      await git(['reset', '-q', '--mixed', target]);
    },

    async isAncestor(a: string, b: string): Promise<boolean> {
      return (await git(['merge-base', '--is-ancestor', a, b], { allowFail: true })).code === 0;
    },

    async deleteTag(name: string): Promise<void> {
      await git(['tag', '-d', name], { allowFail: true });
    },

    /** Annotated tags under `prefix`, newest first, with the peeled commit and tagger time. */
    async tags(prefix: string): Promise<TagRecord[]> {
      const r = await out(['for-each-ref', '--sort=-refname', `--format=%(refname:short)%00%(*objectname)%00%(taggerdate:iso-strict)%00%(contents)%1e`, `refs/tags/${prefix}*`]);
      return r
        .split('\x1e')
        .map((rec) => rec.replace(/^\n/, ''))
        .filter((rec) => rec.includes('\0'))
        .map((rec) => {
          const [tag = '', commit = '', time = '', message = ''] = rec.split('\0');
          return { tag, commit, time, message };
        });
    },
  };
  return api;
}
