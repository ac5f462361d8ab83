/**
 * `flowc reconcile --once | --check | --dry-run | --json` on real repos with a real bare remote,
 * the real compiler and the real validator (compile + black), through the built CLI.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { liveDeps } from '../../src/reconcile/live.js';
import { runPass } from '../../src/reconcile/pass.js';
import { printable } from '../../src/reconcile/plan.js';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc, pythonPath } from './flowc.js';

async function repo(t: { teardown(fn: () => unknown): void }) {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  return r;
}
const changed = async (r: { git(...a: string[]): Promise<string> }) => (await r.git('diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD')).split('\n').filter(Boolean).sort();

test('--once: a new flow makes one commit and one tag, exit 0; again: nothing, exit 0', async (t) => {
  const r = await repo(t);
  r.write('flows/support.json', chatFlow());
  const first = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(first.code, 0, first.stderr + first.stdout);
  t.regex(first.stdout, /built bld-acme-\d{8}T\d{6}\.\d{3}Z/);
  t.deepEqual(await changed(r), ['app/flows/acme/flow_support.md', 'app/flows/acme/flow_support.py', 'app/flows/acme/flowc_runtime.py', 'app/flows/acme/runner_support.py', 'app/server.py', 'flows/support.json', 'langgraph.json', 'requirements-flows.txt', 'tests/smoke/conftest.py', 'tests/smoke/test_support.py']);
  t.regex(await r.git('log', '-1', '--format=%B'), /^codegen: acme v\d{8}T\d{6}\.\d{3}Z\n[\s\S]*Flow-Id: support\nFlow-Sha256: [0-9a-f]{64}\nGenerator: [0-9a-f]{64}/);
  const head = await r.git('rev-parse', 'HEAD');
  const second = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(second.code, 0);
  t.regex(second.stdout, /in sync/);
  t.is(await r.git('rev-parse', 'HEAD'), head);
  t.is((await r.git('tag', '-l')).split('\n').length, 1);
});

test('--check: 0 in sync, 1 drift with the files listed, 2 error; --json shapes', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  const ok = await flowc(['--repo', r.dir, 'reconcile', '--check', '--json']);
  t.is(ok.code, 0);
  t.deepEqual(JSON.parse(ok.stdout), { inSync: true, refused: null, drift: [], failed: [] });

  r.write('flows/a.json', chatFlow({ temperature: 0.7 }));
  const drift = await flowc(['--repo', r.dir, 'reconcile', '--check']);
  t.is(drift.code, 1);
  t.regex(drift.stdout, /drift +update +a: app\/flows\/acme\/flow_a\.md, app\/flows\/acme\/flow_a\.py, app\/flows\/acme\/runner_a\.py, tests\/smoke\/test_a\.py/);
  const driftJson = JSON.parse((await flowc(['--repo', r.dir, 'reconcile', '--check', '--json'])).stdout);
  t.deepEqual(driftJson.drift, [{ flowId: 'a', source: 'flows/a.json', kind: 'update', files: ['app/flows/acme/flow_a.md', 'app/flows/acme/flow_a.py', 'app/flows/acme/runner_a.py', 'tests/smoke/test_a.py'] }]);
  t.is(await r.git('status', '--porcelain', 'app'), '', '--check changes nothing');

  r.write('flows/b.json', chatFlow({ unsupported: true }));
  const err = await flowc(['--repo', r.dir, 'reconcile', '--check', '--json']);
  t.is(err.code, 2);
  t.regex(JSON.parse(err.stdout).failed[0].reason, /FrobnicatorComponent/);
  writeFileSync(path.join(r.dir, 'flowc.yaml'), 'slug: acme\ndebounce_ms: soon\n');
  const bad = await flowc(['--repo', r.dir, 'reconcile', '--check']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /debounce_ms/);
});

test('--dry-run prints the plan apply runs, and changes nothing', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  r.write('flows/b.json', chatFlow({ prompt: 'Be brief.' }));
  const dry = await flowc(['--repo', r.dir, 'reconcile', '--dry-run', '--json']);
  t.is(dry.code, 0, dry.stderr);
  t.false(r.exists('app/flows/acme/flow_a.py'));
  const printed = JSON.parse(dry.stdout);
  const deps = await liveDeps(loadConfig(r.dir, { ...process.env, FLOWC_PYTHON: pythonPath() }));
  t.teardown(() => deps.close());
  const ran = await runPass(deps);
  t.true(ran.ok);
  t.deepEqual(JSON.parse(JSON.stringify(printable(ran.plan))), printed);
  t.deepEqual(printed.items.map((i: { flowId: string | null; kind: string }) => [i.flowId, i.kind]), [['a', 'create'], ['b', 'create'], [null, 'create']]);
  const human = await flowc(['--repo', r.dir, 'reconcile', '--dry-run']);
  t.regex(human.stdout, /in sync: nothing to do/);
});

test('an invalid flow beside a valid one: the valid one is committed, --once exits 1, status says Failed with the reason', async (t) => {
  const r = await repo(t);
  r.write('flows/good.json', chatFlow());
  r.write('flows/bad.json', chatFlow());
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  const lastGood = r.read('app/flows/acme/flow_bad.py');
  r.write('flows/good.json', chatFlow({ temperature: 0.5 }));
  r.write('flows/bad.json', chatFlow({ unsupported: true }));
  const once = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json']);
  t.is(once.code, 1);
  const rep = JSON.parse(once.stdout);
  t.is(rep.builds.length, 1);
  t.deepEqual(rep.failed.map((f: { flowId: string }) => f.flowId), ['bad']);
  t.deepEqual(await changed(r), ['app/flows/acme/flow_good.md', 'app/flows/acme/flow_good.py', 'app/flows/acme/runner_good.py', 'flows/good.json', 'tests/smoke/test_good.py']);
  t.is(r.read('app/flows/acme/flow_bad.py'), lastGood);
  const status = await flowc(['--repo', r.dir, 'status', '--json']);
  t.is(status.code, 0);
  const s = JSON.parse(status.stdout);
  const bad = s.flows.find((f: { id: string }) => f.id === 'bad');
  t.is(bad.status, 'Failed');
  t.regex(bad.reason, /FrobnicatorComponent/);
  t.is(s.flows.find((f: { id: string }) => f.id === 'good').status, 'Synced');
  t.is(s.lastBuild.tag, rep.builds[0].tag);
  const human = await flowc(['--repo', r.dir, 'status']);
  t.regex(human.stdout, /bad +Failed +.*Frobnicator/);
  t.regex(human.stdout, /good +Synced/);
});

test('a template change regenerates every output in one build (a flowc install with one template edited)', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  r.write('flows/b.json', chatFlow({ prompt: 'Other.' }));
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  const install = mkdtempSync(path.join(tmpdir(), 'flowc-install-'));
  t.teardown(() => rmSync(install, { recursive: true, force: true }));
  for (const d of ['dist', 'templates', 'bin', 'package.json', 'src/python']) cpSync(path.join(repoRoot, d), path.join(install, d), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(install, 'node_modules'));
  const tpl = path.join(install, 'templates/runner.py.liquid');
  writeFileSync(tpl, `${readFileSync(tpl, 'utf8')}\n# reviewed template\n`);
  const res = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json'], { bin: path.join(install, 'bin/flowc.js') });
  t.is(res.code, 0, res.stderr);
  t.is(JSON.parse(res.stdout).builds.length, 1);
  const files = await changed(r);
  for (const f of ['a', 'b']) for (const k of ['flow', 'runner']) t.true(files.includes(`app/flows/acme/${k}_${f}.py`), `${k}_${f}`);
  t.true(files.includes('app/server.py'));
  t.regex(r.read('app/flows/acme/runner_a.py'), /# reviewed template/);
  t.is(await r.git('status', '--porcelain'), '');
});

test('flowc audit lists builds from tags, filtered by flow', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  r.write('flows/b.json', chatFlow({ prompt: 'B' }));
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  const all = JSON.parse((await flowc(['--repo', r.dir, 'audit', '--json'])).stdout);
  t.is(all.length, 2);
  // The second build adds b's graph to langgraph.json (a tenant file: id null).
  t.deepEqual(all.map((b: { flows: Array<{ id: string | null }> }) => b.flows.map((f) => f.id)), [['b', null], ['a', null]]);
  t.is(all[0].commit, await r.git('rev-parse', 'HEAD'));
  t.regex(all[0].flows[0].inputSha256, /^[0-9a-f]{64}$/);
  const onlyA = JSON.parse((await flowc(['--repo', r.dir, 'audit', 'a', '--json'])).stdout);
  t.is(onlyA.length, 1);
  t.deepEqual(onlyA[0].flows[0].files.map((f: { path: string }) => f.path), ['app/flows/acme/flow_a.py', 'app/flows/acme/runner_a.py', 'tests/smoke/test_a.py', 'app/flows/acme/flow_a.md']);
  const human = await flowc(['--repo', r.dir, 'audit', 'a']);
  t.regex(human.stdout, /^bld-acme-\S+ {2}[0-9a-f]{12} {2}\S+\n {2}create +a {2}input-sha256=[0-9a-f]{64}/);
});

test('validate: smoke runs the generated pytest smoke test against a fake model before committing', async (t) => {
  const r = await tenantRepo({ config: 'validate: smoke\n' });
  t.teardown(() => r.cleanup());
  r.write('flows/support.json', chatFlow());
  const res = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json']);
  t.is(res.code, 0, res.stderr + res.stdout);
  t.is(JSON.parse(res.stdout).builds.length, 1);
  t.true((await r.git('ls-files')).includes('tests/smoke/test_support.py'));
  t.is(await r.git('status', '--porcelain', '--untracked-files=all'), '', 'pytest left nothing behind');
});

test('a flow file name with spaces (as LangFlow names exports): built, recognised as in sync, removed with its outputs', async (t) => {
  const r = await repo(t);
  r.write('flows/Support Bot.json', chatFlow());
  const first = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(first.code, 0, first.stderr + first.stdout);
  t.true((await changed(r)).includes('app/flows/acme/flow_support_bot.py'));
  t.true((await changed(r)).includes('flows/Support Bot.json'));
  t.regex(r.read('app/flows/acme/flow_support_bot.py'), /source=flows\/Support%20Bot\.json/);
  const check = await flowc(['--repo', r.dir, 'reconcile', '--check']);
  t.is(check.code, 0, check.stdout);
  r.remove('flows/Support Bot.json');
  r.write('flows/other.json', chatFlow({ prompt: 'Other' }));
  const gone = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json']);
  t.is(gone.code, 0, gone.stderr);
  t.false(r.exists('app/flows/acme/flow_support_bot.py'));
  t.true((await changed(r)).includes('flows/Support Bot.json'), 'the flow file deletion is in the build');
  t.regex(await r.git('log', '-1', '--format=%B'), /Flow-Removed: Support Bot/);
});

test('issue 14 #12: a stale .git/index.lock fails the pass clearly (exit 1), commits nothing; once removed, the next pass converges clean', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  const head = await r.git('rev-parse', 'HEAD');
  writeFileSync(path.join(r.dir, '.git', 'index.lock'), '');
  const locked = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(locked.code, 1, locked.stdout + locked.stderr);
  t.regex(locked.stderr + locked.stdout, /git's index is locked \(\.git\/index\.lock exists\).*remove \.git\/index\.lock/s);
  t.is(await r.git('rev-parse', 'HEAD'), head, 'nothing committed behind the index');
  rmSync(path.join(r.dir, '.git', 'index.lock'));
  const again = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(again.code, 0, again.stdout + again.stderr);
  t.not(await r.git('rev-parse', 'HEAD'), head);
  t.is(await r.git('status', '--porcelain'), '', 'the index is in line with the build');
});

test('issue 14 #13: a hand-edited copy of a generated file that flowc removes is kept as <file>.flowc-backup and reported', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--once'])).code, 0);
  // The user's own copy, with flowc's header, then edited: in no commit anywhere.
  const copy = `${r.read('app/flows/acme/flow_a.py')}# my notes, only here\n`;
  r.write('app/flows/acme/flow_a_mine.py', copy);
  const run = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(run.code, 0, run.stdout + run.stderr);
  t.false(r.exists('app/flows/acme/flow_a_mine.py'), 'not a generated output: removed');
  t.is(r.read('app/flows/acme/flow_a_mine.py.flowc-backup'), copy, 'nothing lost');
  t.regex(run.stdout, /kept +a: a hand-edited file flowc removed is kept as app\/flows\/acme\/flow_a_mine\.py\.flowc-backup/);
});

test('issue 14 #14: a symlinked flows/ folder is refused naming the key and what to do (exit 2), also as --json', async (t) => {
  const r = await repo(t);
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'flowc-linked-flows-'));
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  writeFileSync(path.join(elsewhere, 'a.json'), chatFlow());
  rmSync(path.join(r.dir, 'flows'), { recursive: true, force: true });
  symlinkSync(elsewhere, path.join(r.dir, 'flows'));
  const plain = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(plain.code, 2);
  t.regex(plain.stderr, /flows \(flows_dir\) is a symbolic link; git commits nothing beyond one — replace the link/);
  t.notRegex(plain.stderr, /pathspec|fatal:/, 'not git\'s own words');
  const json = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json']);
  t.is(json.code, 2);
  t.like(JSON.parse(json.stdout), { ok: false, error: { kind: 'config', where: { field: 'flows_dir' } } });
});

test('issue 14 #11: a flow file named like a key is refused under a stand-in name; the key reaches no report, status, state.json or commit', async (t) => {
  const r = await repo(t);
  const key = `sk-proj-${'Zy98Xw76Vu'.repeat(4)}`;
  r.write('flows/good.json', chatFlow());
  r.write(`flows/${key}.json`, chatFlow());
  const once = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json']);
  t.is(once.code, 1, once.stderr);
  const rep = JSON.parse(once.stdout);
  t.is(rep.builds.length, 1, 'the other flow still builds');
  t.is(rep.failed.length, 1);
  t.regex(JSON.stringify(rep.failed[0]), /the file name looks like a secret key \(not shown\)/);
  const status = await flowc(['--repo', r.dir, 'status', '--json']);
  const human = await flowc(['--repo', r.dir, 'status']);
  const state = readFileSync(path.join(r.dir, '.git', 'flowc', 'state.json'), 'utf8');
  const committed = await r.git('log', '--all', '--name-only', '--format=%B');
  for (const [where, text] of Object.entries({ report: once.stdout + once.stderr, status: status.stdout + human.stdout, state, committed })) {
    t.false(text.includes(key.slice(8)), `${where} holds the key`);
  }
  t.regex(human.stdout, /Failed/);
  t.false(committed.includes('flows/sk-'), 'the file itself is not committed');
});

test('issue 14 #14: a full disk fails the pass with one clear error (also as --json), commits nothing, and the next pass with space builds', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync, statfsSync } = await import('node:fs');
  // A real full disk: a 1 MB tmpfs, filled up after the repo is created on it (needs root to mount).
  const mnt = mkdtempSync(path.join(tmpdir(), 'flowc-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    t.log('not run: mounting a small tmpfs needs root (scripts/test.sh runs as root in CI)');
    t.pass();
    return;
  }
  t.teardown(() => {
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const dir = path.join(mnt, 'work');
  mkdirSync(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '--template=', '-b', 'tenant/acme');
  git('config', 'user.name', 'Test User');
  git('config', 'user.email', 'test@example.invalid');
  writeFileSync(path.join(dir, 'flowc.yaml'), 'slug: acme\nvalidate: none\n');
  mkdirSync(path.join(dir, 'flows'));
  writeFileSync(path.join(dir, 'flows', 'support.json'), chatFlow());
  git('add', '-A');
  git('commit', '-q', '-m', 'tenant init');
  const head = git('rev-parse', 'HEAD');
  const free = () => {
    const s = statfsSync(mnt);
    return s.bavail * s.bsize;
  };
  writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, free() - 16 * 1024)));

  const full = await flowc(['--repo', dir, 'reconcile', '--once', '--json']);
  t.is(full.code, 1, full.stderr);
  const rep = JSON.parse(full.stdout);
  t.false(rep.ok);
  t.regex(rep.error.message, /^the disk is full: no space left to write \S+; the work tree was restored and nothing was committed$/);
  t.regex(rep.error.hint, /free space on the device that holds the repo/);
  t.is(git('rev-parse', 'HEAD'), head, 'nothing committed');
  t.is(git('status', '--porcelain'), '', 'no half-written file left');

  rmSync(path.join(mnt, 'filler'));
  const after = await flowc(['--repo', dir, 'reconcile', '--once']);
  t.is(after.code, 0, after.stderr);
  t.regex(after.stdout, /built bld-acme-/);
});

test('issue 16: a first build larger than batch_flows goes in batches, one build each; --once goes on until all are built', async (t) => {
  const r = await repo(t);
  for (let i = 0; i < 5; i++) r.write(`flows/f${i}.json`, chatFlow({ prompt: `Flow number ${i}.` }));
  const env = { FLOWC_BATCH_FLOWS: '2', FLOWC_VALIDATE: 'none' };
  const dry = await flowc(['--repo', r.dir, 'reconcile', '--dry-run'], { env });
  t.regex(dry.stdout, /^pending +3 more flow\(s\): waiting for the next batch \(batch_flows\)$/m, 'a pass compiles two, the rest wait');
  const once = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json'], { env });
  t.is(once.code, 0, once.stderr + once.stdout);
  const report = JSON.parse(once.stdout) as { ok: boolean; builds: Array<{ flows: string[] }> };
  t.true(report.ok);
  t.deepEqual(report.builds.map((b) => b.flows.length), [2, 2, 1], 'three builds of at most two flows');
  t.is((await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean).length, 3);
  t.deepEqual(JSON.parse((await flowc(['--repo', r.dir, 'status', '--json'])).stdout).flows.map((f: { status: string }) => f.status), Array(5).fill('Synced'));
  t.is(await r.git('ls-remote', '--tags', 'origin').then((s) => s.split('\n').filter((l) => l.includes('bld-') && !l.endsWith('^{}')).length), 3, 'all pushed');
  // langgraph.json names every graph once the last batch is in.
  t.deepEqual(Object.keys(JSON.parse(r.read('langgraph.json')).graphs).sort(), ['f0', 'f1', 'f2', 'f3', 'f4']);
});

test('issue 16: a burst of 300 new flows builds under `ulimit -n 128` (flows are written a few at a time, not all at once)', async (t) => {
  const r = await repo(t);
  for (let i = 0; i < 300; i++) r.write(`flows/f${i}.json`, chatFlow({ prompt: `Flow number ${i}.` }));
  const bin = path.join(repoRoot, 'bin/flowc.js');
  const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', ['-c', 'ulimit -n 128 && exec "$0" "$@"', process.execPath, bin, '--repo', r.dir, 'reconcile', '--once'], {
      env: { ...process.env, FLOWC_LOG_LEVEL: 'warn', FLOWC_VALIDATE: 'none' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
  t.is(run.code, 0, run.out);
  t.notRegex(run.out, /EMFILE/);
  t.is((await r.git('ls-files', 'app/flows/acme')).split('\n').filter((f) => /\/flow_f\d+\.py$/.test(f)).length, 300);
});

test('issue 16: validation started while the pass compiles still refuses what the checker refuses, naming the node; the other flows build', async (t) => {
  const { shoutFlow, SHOUT } = await import('../codegen/flowkit.js');
  const r = await repo(t);
  for (let i = 0; i < 6; i++) r.write(`flows/f${i}.json`, chatFlow({ prompt: `Flow number ${i}.` }));
  r.write('flows/shout.json', shoutFlow(`import frobnicate_sdk\n${SHOUT}`));
  const once = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json'], { env: { FLOWC_VALIDATE: 'compile', FLOWC_WORKERS: '2' } });
  t.is(once.code, 1, once.stderr);
  const report = JSON.parse(once.stdout) as { builds: Array<{ flows: string[] }>; failed: Array<{ flowId: string; reason: string }> };
  t.deepEqual(report.builds.flatMap((b) => b.flows).sort(), ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  t.deepEqual(report.failed.map((f) => f.flowId), ['shout']);
  t.regex(report.failed[0]!.reason, /node ShoutComponent-s1: its component source imports frobnicate_sdk, which is not installed/);
  t.false(r.exists('app/flows/acme/flow_shout.py'), 'nothing of it is written');
});
