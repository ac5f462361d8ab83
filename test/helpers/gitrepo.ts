/**
 * Temp tenant repos with a real bare remote, for tests across the team.
 *
 *   const t = await tenantRepo({ slug: 'acme' });     // work tree on tenant/acme, origin = bare repo
 *   t.write('flows/a.json', json); await t.git('log', '--oneline');
 *   const other = await t.clone();                    // a second clone of the same remote
 *   await t.cleanup();                                // removes every dir it made
 *
 * Every repo gets a local identity, so nothing depends on the machine's git config.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 64 << 20 });
  return stdout.trim();
}

export interface TenantRepo {
  /** Work tree of the tenant repo. */
  dir: string;
  /** Path of the bare remote (also the `origin` URL), or undefined with `remote: false`. */
  remote: string | undefined;
  slug: string;
  branch: string;
  git(...args: string[]): Promise<string>;
  write(rel: string, content: string | Uint8Array): void;
  read(rel: string): string;
  exists(rel: string): boolean;
  remove(rel: string): void;
  /** Another clone of the remote on the tenant branch (cleaned up with this repo). */
  clone(): Promise<TenantRepo>;
  cleanup(): Promise<void>;
}

export interface TenantRepoOptions {
  slug?: string;
  /** Extra flowc.yaml lines (appended after `slug:`). */
  config?: string;
  /** Create a bare remote and push the first commit to it (default true). */
  remote?: boolean;
}

export async function tenantRepo(options: TenantRepoOptions = {}): Promise<TenantRepo> {
  const slug = options.slug ?? 'acme';
  const branch = `tenant/${slug}`;
  const base = mkdtempSync(path.join(tmpdir(), 'flowc-repo-'));
  const dir = path.join(base, 'work');
  mkdirSync(dir);
  let remote: string | undefined;
  await gitIn(dir, 'init', '-q', '-b', branch);
  await identity(dir);
  writeFileSync(path.join(dir, 'flowc.yaml'), `slug: ${slug}\n${options.config ?? ''}`);
  mkdirSync(path.join(dir, 'flows'));
  writeFileSync(path.join(dir, 'flows', '.gitkeep'), '');
  await gitIn(dir, 'add', 'flowc.yaml', 'flows/.gitkeep');
  await gitIn(dir, 'commit', '-q', '-m', 'tenant init');
  if (options.remote !== false) {
    remote = path.join(base, 'remote.git');
    await gitIn(base, 'init', '-q', '--bare', '-b', branch, remote);
    await gitIn(dir, 'remote', 'add', 'origin', remote);
    await gitIn(dir, 'push', '-q', 'origin', branch);
  }
  const extra: string[] = [];
  return wrap(dir, base, remote, slug, branch, extra, true);
}

async function identity(dir: string): Promise<void> {
  await gitIn(dir, 'config', 'user.name', 'Test User');
  await gitIn(dir, 'config', 'user.email', 'test@example.invalid');
}

function wrap(dir: string, base: string, remote: string | undefined, slug: string, branch: string, extra: string[], owner: boolean): TenantRepo {
  const repo: TenantRepo = {
    dir,
    remote,
    slug,
    branch,
    git: (...args) => gitIn(dir, ...args),
    write(rel, content) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content);
    },
    read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
    exists: (rel) => existsSync(path.join(dir, rel)),
    remove: (rel) => unlinkSync(path.join(dir, rel)),
    async clone() {
      if (!remote) throw new Error('no remote to clone');
      const other = mkdtempSync(path.join(base, 'clone-'));
      await gitIn(base, 'clone', '-q', '-b', branch, remote, other);
      await identity(other);
      return wrap(other, base, remote, slug, branch, extra, false);
    },
    async cleanup() {
      if (owner) rmSync(base, { recursive: true, force: true });
    },
  };
  return repo;
}
