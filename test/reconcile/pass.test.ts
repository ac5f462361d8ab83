/**
 * One reconcile pass on real repos with a real bare remote (fake compiler: see fakes.ts).
 */
import test from 'ava';
import { renameSync } from 'node:fs';
import { sha256 } from '../../src/codegen/header.js';
import { runPass } from '../../src/reconcile/pass.js';
import { readState } from '../../src/reconcile/state.js';
import { tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { fakeFlow, passDeps } from './fakes.js';

const count = async (r: TenantRepo, ...args: string[]) => Number(await r.git('rev-list', '--count', ...args));
const tags = async (r: TenantRepo) => (await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean);
const changed = async (r: TenantRepo, rev = 'HEAD') => (await r.git('diff-tree', '--no-commit-id', '--name-only', '-r', rev)).split('\n').filter(Boolean).sort();

async function setup(t: { teardown(fn: () => unknown): void }, opts = {}) {
  const r = await tenantRepo(opts);
  t.teardown(() => r.cleanup());
  return r;
}

test('a new flow: one commit and one tag with message, trailers and manifest; pushed; a second run does nothing', async (t) => {
  const r = await setup(t);
  r.write('flows/hello.json', fakeFlow('Hello', { temperature: 0.2 }));
  const deps = await passDeps(r.dir);
  const first = await runPass(deps);
  t.true(first.ok);
  t.is(first.builds.length, 1);
  t.is(await count(r, 'HEAD'), 2);
  const [tag] = await tags(r);
  t.regex(tag!, /^bld-acme-\d{8}T\d{6}\.\d{3}Z$/);
  const msg = await r.git('log', '-1', '--format=%B');
  t.regex(msg, new RegExp(`^codegen: acme v${tag!.slice('bld-acme-'.length).replace('.', '\\.')}\n`));
  const trailers = await r.git('log', '-1', '--format=%(trailers:only,unfold)');
  const hello = deps.compileFlow(Buffer.from(r.read('flows/hello.json')), { file: 'flows/hello.json', slug: 'acme' });
  t.true(trailers.includes(`Flow-Id: hello\nFlow-Sha256: ${hello.inputSha256}`), trailers);
  t.true(trailers.includes(`Generator: ${deps.generatorDigest}`));
  t.deepEqual(await changed(r), ['app/flows/acme/flow_hello.py', 'app/flows/acme/runner_hello.py', 'app/server.py', 'flows/hello.json', 'tests/smoke/test_hello.py']);
  // The tag points at the build commit and its message is the manifest.
  t.is(await r.git('rev-parse', `${tag}^{commit}`), await r.git('rev-parse', 'HEAD'));
  const tagMsg = await r.git('tag', '-l', '--format=%(contents)', tag!);
  const manifest = JSON.parse(tagMsg.slice(tagMsg.indexOf('\n\n') + 2));
  t.is(manifest.build, tag);
  t.deepEqual(manifest.flows.find((f: { id: string }) => f.id === 'hello').files.map((f: { path: string }) => f.path), hello.files.map((f) => f.path));
  t.is(manifest.flows.find((f: { id: string }) => f.id === 'hello').inputSha256, hello.inputSha256);
  // Published: branch and tag on the bare remote.
  t.is(await r.git('ls-remote', 'origin', `refs/heads/${r.branch}`).then((s) => s.split('\t')[0]), await r.git('rev-parse', 'HEAD'));
  t.true((await r.git('ls-remote', '--tags', 'origin')).includes(`refs/tags/${tag}`));
  t.is(await r.git('status', '--porcelain'), '');

  deps.calls.length = 0;
  const second = await runPass(deps);
  t.true(second.ok);
  t.is(second.builds.length, 0);
  t.is(await count(r, 'HEAD'), 2);
  t.is((await tags(r)).length, 1);
  t.deepEqual(deps.calls, [], 'an untouched flow is recognised without compiling it');
});

test('parameter change rebuilds only that flow; layout-only change rebuilds nothing', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A', { k: 1 }));
  r.write('flows/b.json', fakeFlow('B', { k: 1 }));
  const deps = await passDeps(r.dir);
  await runPass(deps);
  r.write('flows/a.json', fakeFlow('A', { k: 2 }));
  const res = await runPass(deps);
  t.is(res.builds.length, 1);
  t.deepEqual(await changed(r), ['app/flows/acme/flow_a.py', 'app/flows/acme/runner_a.py', 'flows/a.json', 'tests/smoke/test_a.py']);
  t.deepEqual(res.plan.items.filter((i) => i.kind !== 'unchanged').map((i) => [i.flowId, i.kind]), [['a', 'update']]);

  const head = await r.git('rev-parse', 'HEAD');
  r.write('flows/b.json', JSON.stringify({ ...JSON.parse(fakeFlow('B', { k: 1 })), position: { x: 99, y: 7 } }));
  const layout = await runPass(deps);
  t.is(layout.builds.length, 0);
  t.is(await r.git('rev-parse', 'HEAD'), head);
  t.true(layout.ok);
});

test('a generator (template) change regenerates every output in one build', async (t) => {
  const r = await setup(t);
  for (const id of ['a', 'b', 'c']) r.write(`flows/${id}.json`, fakeFlow(id));
  await runPass(await passDeps(r.dir, { generator: sha256('gen-1') }));
  const res = await runPass(await passDeps(r.dir, { generator: sha256('gen-2') }));
  t.is(res.builds.length, 1);
  t.is((await tags(r)).length, 2);
  const files = await changed(r);
  for (const id of ['a', 'b', 'c']) t.true(files.includes(`app/flows/acme/flow_${id}.py`));
  t.true(files.includes('app/server.py'));
  t.is(await r.git('status', '--porcelain'), '');
});

test('a hand edit is overwritten and reported; files flowc did not generate are never touched', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A'));
  r.write('app/flows/acme/helpers.py', '# mine\n');
  r.write('tests/smoke/conftest.py', '# mine too\n');
  await r.git('add', '.');
  await r.git('commit', '-qm', 'user files');
  const deps = await passDeps(r.dir);
  await runPass(deps);
  const good = r.read('app/flows/acme/flow_a.py');
  // Uncommitted hand edit: put back, nothing to commit.
  r.write('app/flows/acme/flow_a.py', `${good}\nprint("hacked")\n`);
  const quiet = await runPass(deps);
  t.is(quiet.plan.items.find((i) => i.flowId === 'a')!.kind, 'hand-edited');
  t.is(r.read('app/flows/acme/flow_a.py'), good);
  t.is(quiet.builds.length, 0);
  // Committed hand edit: overwritten by a build that says so.
  r.write('app/flows/acme/flow_a.py', `${good}\nprint("hacked")\n`);
  await r.git('commit', '-qam', 'quick fix in generated code');
  const res = await runPass(deps);
  t.is(res.builds.length, 1);
  const item = res.plan.items.find((i) => i.flowId === 'a')!;
  t.is(item.kind, 'hand-edited');
  t.deepEqual(item.writes.map((w) => [w.path, w.reason]), [['app/flows/acme/flow_a.py', 'hand-edited']]);
  t.is(r.read('app/flows/acme/flow_a.py'), good);
  t.regex(await r.git('log', '-1', '--format=%B'), /hand edits overwritten: app\/flows\/acme\/flow_a\.py/);
  t.is(r.read('app/flows/acme/helpers.py'), '# mine\n');
  t.is(r.read('tests/smoke/conftest.py'), '# mine too\n');
  // A file in the way of an output, not generated by flowc: the flow fails, the file stays.
  r.write('app/flows/acme/flow_z.py', '# handwritten, same name\n');
  r.write('flows/z.json', fakeFlow('Z'));
  const z = await runPass(deps);
  t.is(z.plan.items.find((i) => i.flowId === 'z')!.kind, 'failed');
  t.is(r.read('app/flows/acme/flow_z.py'), '# handwritten, same name\n');
});

test('a deleted flow has its outputs removed in one build; emptied flows/ is refused unless allowed', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A'));
  r.write('flows/b.json', fakeFlow('B'));
  r.write('app/flows/acme/keep.py', '# user file\n');
  const deps = await passDeps(r.dir);
  await runPass(deps);
  r.remove('flows/a.json');
  const res = await runPass(deps);
  t.is(res.builds.length, 1);
  t.deepEqual(await changed(r), ['app/flows/acme/flow_a.py', 'app/flows/acme/runner_a.py', 'flows/a.json', 'tests/smoke/test_a.py']);
  t.false(r.exists('app/flows/acme/flow_a.py'));
  t.regex(await r.git('log', '-1', '--format=%(trailers:only)'), /Flow-Removed: a/);

  r.remove('flows/b.json');
  const head = await r.git('rev-parse', 'HEAD');
  const refused = await runPass(deps);
  t.truthy(refused.plan.refused);
  t.false(refused.ok);
  t.true(r.exists('app/flows/acme/flow_b.py'));
  t.is(await r.git('rev-parse', 'HEAD'), head);
  const allowed = await runPass(deps, { allowEmpty: true });
  t.is(allowed.builds.length, 1);
  t.false(r.exists('app/flows/acme/flow_b.py'));
  t.is(r.read('app/flows/acme/keep.py'), '# user file\n');
});

test('an invalid flow beside valid ones: the valid ones commit, the invalid one keeps its last good output and is Failed', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A', { v: 1 }));
  r.write('flows/b.json', fakeFlow('B', { v: 1 }));
  const deps = await passDeps(r.dir);
  await runPass(deps);
  const lastGood = r.read('app/flows/acme/flow_b.py');
  r.write('flows/a.json', fakeFlow('A', { v: 2 }));
  r.write('flows/b.json', fakeFlow('B', { v: 2 }, { broken: true }));
  r.write('flows/c.json', '{"name": "C", "para');
  const res = await runPass(deps);
  t.false(res.ok);
  t.is(res.builds.length, 1);
  t.deepEqual(await changed(r), ['app/flows/acme/flow_a.py', 'app/flows/acme/runner_a.py', 'flows/a.json', 'tests/smoke/test_a.py']);
  t.is(r.read('app/flows/acme/flow_b.py'), lastGood);
  const state = await readState(deps.gitDir);
  t.regex(state.failures.b!.reason, /node Frob-1 \(Frobnicator\).*unknown component/);
  t.regex(state.failures.c!.reason, /not valid JSON/);
  t.true((await r.git('status', '--porcelain', 'flows/')).includes('flows/b.json'), 'the bad flow file is not committed');
});

test('a secret in a generated file or a flow file is never committed', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A', {}, { secret: 'sk-live-123456' }));
  r.write('flows/b.json', fakeFlow('B'));
  const deps = await passDeps(r.dir);
  const res = await runPass(deps);
  const a = res.plan.items.find((i) => i.flowId === 'a')!;
  t.is(a.kind, 'failed');
  t.regex(a.reason!, /refusing to commit a secret: .*flow_a\.py:\d+ \(fake-key\)/);
  t.false(a.reason!.includes('sk-live-123456'));
  t.false(r.exists('app/flows/acme/flow_a.py'));
  t.false((await r.git('log', '-p', '--all')).includes('sk-live-'));
});

test('a failure before the build is recorded restores the work tree; a crash after writing is committed next pass', async (t) => {
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A', { v: 1 }));
  const deps = await passDeps(r.dir);
  await runPass(deps);
  const before = r.read('app/flows/acme/flow_a.py');
  r.write('flows/a.json', fakeFlow('A', { v: 2 }));
  r.write('flows/n.json', fakeFlow('N'));
  await t.throwsAsync(runPass({ ...deps, beforeRecord: async () => { throw new Error('disk on fire'); } }));
  t.is(r.read('app/flows/acme/flow_a.py'), before);
  t.false(r.exists('app/flows/acme/flow_n.py'));
  // Simulate kill -9 between writing and recording: files written, nothing committed.
  const crash = await runPass({ ...deps, beforeRecord: async () => { throw Object.assign(new Error('killed'), { keep: true }); } }).catch(() => undefined);
  t.is(crash, undefined);
  const good = deps.compileFlow(Buffer.from(r.read('flows/n.json')), { file: 'flows/n.json', slug: 'acme' });
  for (const f of good.files) r.write(f.path, f.content);
  r.write('app/flows/acme/.runner_n.py.flowc-tmp-99999-7', 'half a fi'); // a temp file the kill left behind
  const next = await runPass(deps);
  t.true(next.ok);
  t.deepEqual(next.plan.items.find((i) => i.flowId === 'n')!.kind, 'uncommitted');
  t.true((await changed(r)).includes('app/flows/acme/flow_n.py'));
  t.false(r.exists('app/flows/acme/.runner_n.py.flowc-tmp-99999-7'), 'stale temp file removed');
  t.is(await r.git('status', '--porcelain', '--untracked-files=all'), '');
});

test('the remote moved: flowc rebuilds on the new tip and pushes; nothing is lost (two clones)', async (t) => {
  const r = await setup(t);
  const other = await r.clone();
  r.write('flows/mine.json', fakeFlow('Mine'));
  other.write('flows/theirs.json', fakeFlow('Theirs'));
  const depsOther = await passDeps(other.dir);
  t.true((await runPass(depsOther)).ok);
  const deps = await passDeps(r.dir);
  const res = await runPass(deps);
  t.true(res.ok, JSON.stringify(res.state.push));
  t.is(res.push?.state, 'pushed');
  await r.git('fetch', '-q', 'origin');
  const remoteTip = await r.git('rev-parse', `origin/${r.branch}`);
  t.is(remoteTip, await r.git('rev-parse', 'HEAD'));
  const theirs = await other.git('rev-parse', 'HEAD');
  t.true(await r.git('merge-base', '--is-ancestor', theirs, remoteTip).then(() => true, () => false), 'built on top of the other clone');
  t.is(await count(r, `${theirs}..${remoteTip}`), 1, 'one new build on the new tip');
  t.is((await tags(r)).length, 2, 'their tag + our rebuilt one; the rejected build tag is gone');
  const files = (await r.git('ls-tree', '-r', '--name-only', remoteTip)).split('\n');
  for (const f of ['flows/mine.json', 'flows/theirs.json', 'app/flows/acme/flow_mine.py', 'app/flows/acme/flow_theirs.py']) t.true(files.includes(f), f);
  // Our rejected build's tag was never published; the published tags all point into the branch.
  for (const tag of (await r.git('ls-remote', '--tags', 'origin')).split('\n').filter(Boolean)) {
    const name = tag.split('\t')[1]!.replace('refs/tags/', '').replace('^{}', '');
    t.true(await r.git('merge-base', '--is-ancestor', `${name}^{commit}`, remoteTip).then(() => true, () => false), name);
  }
  t.is(await r.git('status', '--porcelain'), '');
});

test('remote unreachable: the build stays local, status says so, and it is pushed when the remote returns', async (t) => {
  const r = await setup(t);
  const away = `${r.remote}.away`;
  renameSync(r.remote!, away);
  r.write('flows/a.json', fakeFlow('A'));
  const deps = await passDeps(r.dir);
  const res = await runPass(deps);
  t.false(res.ok);
  t.is(res.builds.length, 1);
  t.is(res.push?.state, 'pending');
  const state = await readState(deps.gitDir);
  t.true(state.push.pending);
  t.regex(state.push.lastError!, /unreachable/);
  t.deepEqual(state.push.tags, [res.builds[0]!.tag]);
  renameSync(away, r.remote!);
  const again = await runPass(deps);
  t.true(again.ok);
  t.is(again.builds.length, 0);
  t.is(again.push?.state, 'pushed');
  t.true((await r.git('ls-remote', '--tags', 'origin')).includes(res.builds[0]!.tag));
  t.false((await readState(deps.gitDir)).push.pending);
});

test('after a build the LangServe host is reloaded; a failed reload is reported and retried, never rolls back git', async (t) => {
  const { createServer } = await import('node:http');
  const { reloadHost } = await import('../../src/langserve/reload.js');
  let healthy = true;
  let generation = 0;
  const seen: Array<{ auth?: string; commit?: string }> = [];
  const host = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization, commit: req.headers['x-expected-commit'] as string | undefined });
    if (!healthy) return void res.writeHead(503).end('{"error":"starting"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ generation: ++generation, routes: [], commit: null }));
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => host.close(() => r())));
  const url = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  const r = await setup(t);
  r.write('flows/a.json', fakeFlow('A'));
  const deps = { ...(await passDeps(r.dir, { env: { FLOWC_LANGSERVE_URL: url, LANGSERVE_RESTART_TOKEN: 'restart-token-1234' } })), reload: (o: Parameters<typeof reloadHost>[0]) => reloadHost({ ...o, backoffMs: 1, maxBackoffMs: 2 }) };
  const first = await runPass(deps);
  t.true(first.ok);
  t.is(first.reload.state, 'reloaded');
  t.deepEqual(seen.at(-1), { auth: 'Bearer restart-token-1234', commit: first.builds[0]!.commit });

  healthy = false;
  r.write('flows/b.json', fakeFlow('B'));
  const down = await runPass(deps);
  t.false(down.ok);
  t.is(down.builds.length, 1, 'the build stands');
  t.is(down.reload.state, 'pending');
  t.true((await readState(deps.gitDir)).reload.pending);
  t.is(await r.git('rev-parse', 'HEAD'), down.builds[0]!.commit);

  healthy = true;
  const again = await runPass(deps);
  t.true(again.ok);
  t.is(again.builds.length, 0);
  t.is(again.reload.state, 'reloaded');
  t.is(seen.at(-1)!.commit, down.builds[0]!.commit);
  const quiet = await runPass(deps);
  t.is(quiet.reload.state, 'none', 'no drift, nothing pending → no reload');
});

test('validate: a flow whose generated code fails validation or its smoke test is not committed; the others are', async (t) => {
  const r = await setup(t);
  r.write('flows/good.json', fakeFlow('Good'));
  r.write('flows/ugly.json', fakeFlow('Ugly'));
  r.write('flows/flaky.json', fakeFlow('Flaky'));
  const base = await passDeps(r.dir, { env: { FLOWC_VALIDATE: 'smoke' } });
  const smokeRuns: string[][] = [];
  const deps = {
    ...base,
    check: async (files: Array<{ path: string; content: string }>) => files.map((f) => (f.path.includes('flow_ugly') ? { path: f.path, error: 'line 3: not black-clean' } : { path: f.path })),
    smoke: async (paths: string[]) => {
      smokeRuns.push(paths);
      return paths.some((p) => p.includes('flaky')) ? { ok: false, output: 'FAILED tests/smoke/test_flaky.py::test_flaky - AssertionError' } : { ok: true, output: '1 passed' };
    },
  };
  const res = await runPass(deps);
  t.false(res.ok);
  const kinds = Object.fromEntries(res.plan.items.map((i) => [i.flowId ?? i.source, i.kind]));
  t.deepEqual(kinds, { flaky: 'failed', good: 'create', ugly: 'failed', 'flowc.yaml': 'create' });
  t.regex(res.plan.items.find((i) => i.flowId === 'ugly')!.reason!, /flow_ugly\.py: line 3: not black-clean/);
  t.regex(res.plan.items.find((i) => i.flowId === 'flaky')!.reason!, /smoke test failed: .*test_flaky/);
  const tree = await r.git('ls-tree', '-r', '--name-only', 'HEAD');
  t.true(tree.includes('app/flows/acme/flow_good.py'));
  t.false(tree.includes('flaky'));
  t.false(tree.includes('ugly'));
  t.false(r.exists('app/flows/acme/flow_flaky.py'), 'the failing flow\'s files were put back');
  t.deepEqual(smokeRuns[0]!.sort(), ['tests/smoke/test_flaky.py', 'tests/smoke/test_good.py']);
});

test('issue 16: a flow\'s files are written as soon as they validate, while other flows are still being checked; one build holds them all', async (t) => {
  const r = await setup(t);
  r.write('flows/quick.json', fakeFlow('Quick'));
  r.write('flows/slow.json', fakeFlow('Slow'));
  const base = await passDeps(r.dir, { env: { FLOWC_VALIDATE: 'compile' } });
  let quickOnDiskWhileSlowChecked: boolean | undefined;
  const deps = {
    ...base,
    check: async (files: Array<{ path: string; content: string }>) => {
      if (files.some((f) => f.path.includes('flow_slow'))) {
        // The slow flow's check ends only once the quick flow's module is on disk (or after 5 s).
        for (let i = 0; i < 100 && !r.exists('app/flows/acme/flow_quick.py'); i++) await new Promise((res) => setTimeout(res, 50));
        quickOnDiskWhileSlowChecked = r.exists('app/flows/acme/flow_quick.py');
      }
      return files.map((f) => ({ path: f.path }));
    },
  };
  const res = await runPass(deps);
  t.true(res.ok);
  t.true(quickOnDiskWhileSlowChecked, 'the quick flow was written while the slow one was still being checked');
  t.is(res.builds.length, 1);
  const tree = await r.git('ls-tree', '-r', '--name-only', 'HEAD');
  t.true(tree.includes('app/flows/acme/flow_quick.py') && tree.includes('app/flows/acme/flow_slow.py'));
});

test('a pass reports its progress through the flows, one call per flow, ending at all of them (watch mode shows "N of M")', async (t) => {
  const r = await setup(t);
  for (const name of ['a', 'b', 'c']) r.write(`flows/${name}.json`, fakeFlow(name.toUpperCase(), {}));
  const seen: Array<[number, number]> = [];
  const result = await runPass(await passDeps(r.dir), { onProgress: (done, total) => seen.push([done, total]) });
  t.is(result.builds.length, 1);
  t.deepEqual(seen, [[1, 3], [2, 3], [3, 3]]);
});
