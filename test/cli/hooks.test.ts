/**
 * `flowc hooks install|uninstall` on real repos, with a stand-in flowc (a tiny node script that
 * logs its argv and exits with the code it is told), so the hook wiring is tested on its own:
 * refusal on exit 1, chaining of a user's hook, fallbacks, and uninstall removing only ours.
 * test/cli/hooks-reconcile.test.ts runs the same hooks against the real `flowc reconcile`.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CHAINED_SUFFIX, HOOK_MARKER, installHooks, uninstallHooks } from '../../src/git/hooks.js';
import { repoRoot, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';

const exec = promisify(execFile);

interface Sandbox {
  repo: TenantRepo;
  fake: string;
  log: string;
  hooks: string;
  /** Runs git in the repo; resolves with the exit code and output instead of throwing. */
  git(args: string[], env?: Record<string, string>): Promise<{ code: number; out: string }>;
  calls(): string[][];
  done(): Promise<void>;
}

async function sandbox(): Promise<Sandbox> {
  const repo = await tenantRepo({ remote: false });
  const tools = mkdtempSync(path.join(tmpdir(), 'flowc-hooks-'));
  const log = path.join(tools, 'calls.log');
  const fake = path.join(tools, 'fake-flowc.js');
  writeFileSync(
    fake,
    `require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n` +
      `if (process.env.FAKE_FLOWC_SAY) process.stderr.write(process.env.FAKE_FLOWC_SAY + '\\n');\n` +
      `process.exit(Number(process.env.FAKE_FLOWC_EXIT || 0));\n`,
  );
  const hooks = path.join(repo.dir, '.git', 'hooks');
  return {
    repo,
    fake,
    log,
    hooks,
    async git(args, env = {}) {
      try {
        const r = await exec('git', args, { cwd: repo.dir, env: { ...process.env, ...env } });
        return { code: 0, out: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, out: e.stdout + e.stderr };
      }
    },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    async done() {
      await repo.cleanup();
      rmSync(tools, { recursive: true, force: true });
    },
  };
}

const ours = (hooksDir: string) => readdirSync(hooksDir).filter((f) => !f.endsWith('.sample')).sort();

test('install writes three executable hooks recording the absolute flowc path; reinstall is a no-op; uninstall removes them', async (t) => {
  const s = await sandbox();
  try {
    const first = await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake });
    t.deepEqual(first.map((r) => [r.hook, r.action]), [['pre-commit', 'installed'], ['post-merge', 'installed'], ['post-checkout', 'installed']]);
    for (const r of first) {
      const text = readFileSync(r.path, 'utf8');
      t.true(text.includes(HOOK_MARKER));
      t.true(text.includes(`FLOWC_BIN='${s.fake}'`));
      t.true(text.includes(`FLOWC_NODE='${process.execPath}'`));
      t.truthy(statSync(r.path).mode & 0o100, `${r.hook} is executable`);
    }
    t.regex(readFileSync(first[0]!.path, 'utf8'), /reconcile --once --check/);
    t.deepEqual((await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake })).map((r) => r.action), ['unchanged', 'unchanged', 'unchanged']);
    t.deepEqual((await installHooks({ repoRoot: s.repo.dir, flowcBin: `${s.fake}.moved` })).map((r) => r.action), ['updated', 'updated', 'updated']);
    t.deepEqual((await uninstallHooks({ repoRoot: s.repo.dir })).map((r) => r.action), ['removed', 'removed', 'removed']);
    t.deepEqual(ours(s.hooks), []);
    t.deepEqual((await uninstallHooks({ repoRoot: s.repo.dir })).map((r) => r.action), ['absent', 'absent', 'absent']);
  } finally {
    await s.done();
  }
});

test('pre-commit refuses the commit when flowc reports drift (exit 1) or fails (exit 2), and lets it through on 0', async (t) => {
  const s = await sandbox();
  try {
    await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake });
    s.repo.write('notes.txt', 'one\n');
    await s.git(['add', 'notes.txt']);
    const refused = await s.git(['commit', '-m', 'stale'], { FAKE_FLOWC_EXIT: '1', FAKE_FLOWC_SAY: 'app/flows/acme/flow_a.py: stale' });
    t.not(refused.code, 0);
    t.regex(refused.out, /app\/flows\/acme\/flow_a\.py: stale/);
    t.regex(refused.out, /commit refused: generated files are stale/);
    t.regex(refused.out, /flowc reconcile --once/);
    const errored = await s.git(['commit', '-m', 'error'], { FAKE_FLOWC_EXIT: '2' });
    t.not(errored.code, 0);
    t.regex(errored.out, /check` failed \(exit 2/);
    const before = await s.repo.git('rev-parse', 'HEAD');
    t.is((await s.git(['commit', '-m', 'fresh'], { FAKE_FLOWC_EXIT: '0' })).code, 0);
    t.not(await s.repo.git('rev-parse', 'HEAD'), before);
    // Every run asked for a check of this repo, by its absolute path.
    const top = await s.repo.git('rev-parse', '--show-toplevel');
    t.deepEqual(s.calls(), Array(3).fill(['-C', top, 'reconcile', '--once', '--check']));
  } finally {
    await s.done();
  }
});

test('post-checkout (branch switch only) and post-merge run `reconcile --once`; their failure does not fail git', async (t) => {
  const s = await sandbox();
  try {
    await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake });
    const top = await s.repo.git('rev-parse', '--show-toplevel');
    const branch = await s.repo.git('rev-parse', '--abbrev-ref', 'HEAD');
    t.is((await s.git(['checkout', '-q', '-b', 'feature'], { FAKE_FLOWC_EXIT: '1' })).code, 0);
    t.deepEqual(s.calls(), [['-C', top, 'reconcile', '--once']]);
    s.repo.write('f.txt', 'x\n');
    await s.git(['add', 'f.txt']);
    await s.git(['commit', '-q', '-m', 'feature work', '--no-verify']);
    await s.git(['checkout', '-q', branch]);
    s.repo.write('flowc.yaml', 'changed\n');
    await s.git(['checkout', '--', 'flowc.yaml']); // a file checkout: no reconcile
    t.is(s.calls().length, 2);
    const merged = await s.git(['merge', '-q', '--no-edit', 'feature'], { FAKE_FLOWC_EXIT: '2' });
    t.is(merged.code, 0, merged.out);
    t.regex(merged.out, /post-merge hook: `flowc reconcile --once` exited 2/);
    t.deepEqual(s.calls().at(-1), ['-C', top, 'reconcile', '--once']);
    t.is(s.calls().length, 3);
  } finally {
    await s.done();
  }
});

test("a user's existing hook is chained (runs first, can veto) and restored byte for byte on uninstall", async (t) => {
  const s = await sandbox();
  try {
    const userHook = '#!/bin/sh\necho "user hook ran" >&2\n[ -z "$USER_HOOK_FAIL" ]\n';
    writeFileSync(path.join(s.hooks, 'pre-commit'), userHook);
    chmodSync(path.join(s.hooks, 'pre-commit'), 0o750);
    const results = await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake });
    t.is(results[0]!.action, 'chained');
    t.is(readFileSync(path.join(s.hooks, `pre-commit${CHAINED_SUFFIX}`), 'utf8'), userHook);

    s.repo.write('a.txt', 'a\n');
    await s.git(['add', 'a.txt']);
    const vetoed = await s.git(['commit', '-m', 'x'], { USER_HOOK_FAIL: '1' });
    t.not(vetoed.code, 0);
    t.regex(vetoed.out, /user hook ran/);
    t.deepEqual(s.calls(), [], 'flowc does not run once the user hook refused');
    const ok = await s.git(['commit', '-m', 'x']);
    t.is(ok.code, 0, ok.out);
    t.regex(ok.out, /user hook ran/);
    t.is(s.calls().length, 1);

    t.is((await installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake }))[0]!.action, 'unchanged', 'reinstall does not chain our own hook');
    const un = await uninstallHooks({ repoRoot: s.repo.dir });
    t.deepEqual(un.map((r) => r.action), ['restored', 'removed', 'removed']);
    t.is(readFileSync(path.join(s.hooks, 'pre-commit'), 'utf8'), userHook);
    t.is(statSync(path.join(s.hooks, 'pre-commit')).mode & 0o777, 0o750);
    t.deepEqual(ours(s.hooks), ['pre-commit']);
  } finally {
    await s.done();
  }
});

test('install refuses, changing nothing, when a user hook and a .pre-flowc file are both there; uninstall leaves foreign hooks alone', async (t) => {
  const s = await sandbox();
  try {
    writeFileSync(path.join(s.hooks, 'post-checkout'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(path.join(s.hooks, `post-checkout${CHAINED_SUFFIX}`), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const err = await t.throwsAsync(installHooks({ repoRoot: s.repo.dir, flowcBin: s.fake }));
    t.regex(err!.message, /both post-checkout and post-checkout\.pre-flowc exist/);
    t.regex((err as { hint?: string }).hint ?? '', /flowc hooks install/);
    t.deepEqual(ours(s.hooks), ['post-checkout', `post-checkout${CHAINED_SUFFIX}`], 'nothing installed');
    t.deepEqual((await uninstallHooks({ repoRoot: s.repo.dir })).map((r) => r.action), ['absent', 'absent', 'foreign']);
    t.deepEqual(ours(s.hooks), ['post-checkout', `post-checkout${CHAINED_SUFFIX}`]);
  } finally {
    await s.done();
  }
});

test('when the recorded bin is gone, the hook falls back to `flowc` on PATH', async (t) => {
  const s = await sandbox();
  const bin = mkdtempSync(path.join(tmpdir(), 'flowc-path-'));
  try {
    await installHooks({ repoRoot: s.repo.dir, flowcBin: path.join(bin, 'gone.js') });
    writeFileSync(path.join(bin, 'flowc'), `#!/bin/sh\necho "$@" > ${JSON.stringify(path.join(bin, 'called'))}\nexit 0\n`, { mode: 0o755 });
    s.repo.write('b.txt', 'b\n');
    await s.git(['add', 'b.txt']);
    const r = await s.git(['commit', '-m', 'via PATH'], { PATH: `${bin}:${process.env.PATH}` });
    t.is(r.code, 0, r.out);
    t.regex(readFileSync(path.join(bin, 'called'), 'utf8'), /-C .* reconcile --once --check/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
    await s.done();
  }
});

test('the CLI: `flowc -C <repo> hooks install` prints what it did; outside a git repo it exits 2 with a hint', async (t) => {
  const s = await sandbox();
  const notRepo = mkdtempSync(path.join(tmpdir(), 'flowc-norepo-'));
  try {
    const cli = path.join(repoRoot, 'bin/flowc.js');
    const r = await exec(process.execPath, [cli, '-C', s.repo.dir, 'hooks', 'install']);
    t.regex(r.stdout, /pre-commit\s+installed/);
    t.true(readFileSync(path.join(s.hooks, 'pre-commit'), 'utf8').includes(`FLOWC_BIN='${cli}'`));
    const u = await exec(process.execPath, [cli, '-C', s.repo.dir, 'hooks', 'uninstall']);
    t.regex(u.stdout, /post-checkout\s+removed/);
    mkdirSync(path.join(notRepo, 'x'));
    const e = await exec(process.execPath, [cli, '-C', path.join(notRepo, 'x'), 'hooks', 'install']).catch((err) => err);
    t.is(e.code, 2);
    t.regex(e.stderr, /not a git repository.*flowc init/);
  } finally {
    rmSync(notRepo, { recursive: true, force: true });
    await s.done();
  }
});
