/**
 * Issue 3 acceptance 2 and 4 through the built CLI with the real compiler, on real repos with a
 * real bare remote (validation off here: it is covered in reconcile.test.ts).
 */
import test from 'ava';
import { renameSync } from 'node:fs';
import { tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

const env = { FLOWC_VALIDATE: 'none' };
const once = (r: TenantRepo, ...extra: string[]) => flowc(['--repo', r.dir, 'reconcile', '--once', ...extra], { env });
const changed = async (r: TenantRepo) => (await r.git('diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD')).split('\n').filter(Boolean).sort();
const files = (id: string) => [`app/flows/acme/flow_${id}.md`, `app/flows/acme/flow_${id}.py`, `app/flows/acme/runner_${id}.py`, `flows/${id}.json`, `tests/smoke/test_${id}.py`];

async function repo(t: { teardown(fn: () => unknown): void }) {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  return r;
}

test('parameter change → only that flow\'s files; layout-only change → nothing', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  r.write('flows/b.json', chatFlow({ prompt: 'B' }));
  t.is((await once(r)).code, 0);
  r.write('flows/a.json', chatFlow({ temperature: 0.9 }));
  const res = await once(r);
  t.is(res.code, 0, res.stderr);
  t.deepEqual(await changed(r), files('a'));
  const head = await r.git('rev-parse', 'HEAD');
  r.write('flows/b.json', chatFlow({ prompt: 'B', shift: 250 }));
  const layout = await once(r, '--json');
  t.is(layout.code, 0);
  t.deepEqual(JSON.parse(layout.stdout).builds, []);
  t.is(await r.git('rev-parse', 'HEAD'), head);
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--check'], { env })).code, 0, 'a layout-only change is not drift');
});

test('a hand edit is overwritten and reported; files flowc did not generate are never touched', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  r.write('app/flows/acme/tools.py', 'HELPER = 1\n');
  r.write('tests/smoke/conftest.py', '# mine\n');
  t.is((await once(r)).code, 0);
  const good = r.read('app/flows/acme/flow_a.py');
  r.write('app/flows/acme/flow_a.py', good.replace('You are a concise assistant', 'You are a chatty assistant'));
  await r.git('commit', '-qam', 'tweak the generated prompt by hand');
  const check = await flowc(['--repo', r.dir, 'reconcile', '--check'], { env });
  t.is(check.code, 1);
  t.regex(check.stdout, /hand-edited +a: app\/flows\/acme\/flow_a\.py/);
  const res = await once(r);
  t.is(res.code, 0);
  t.regex(res.stdout, /hand-edited +a: app\/flows\/acme\/flow_a\.py/);
  t.is(r.read('app/flows/acme/flow_a.py'), good);
  t.regex(await r.git('log', '-1', '--format=%B'), /hand edits overwritten: app\/flows\/acme\/flow_a\.py/);
  t.is(r.read('app/flows/acme/tools.py'), 'HELPER = 1\n');
  t.is(r.read('tests/smoke/conftest.py'), '# mine\n');
});

test('a deleted flow loses its outputs in one build; emptied flows/ is refused unless --allow-empty', async (t) => {
  const r = await repo(t);
  r.write('flows/a.json', chatFlow());
  r.write('flows/b.json', chatFlow({ prompt: 'B' }));
  r.write('app/flows/acme/tools.py', 'HELPER = 1\n');
  t.is((await once(r)).code, 0);
  r.remove('flows/a.json');
  t.is((await once(r)).code, 0);
  t.deepEqual(await changed(r), [...files('a'), 'langgraph.json'].sort(), 'its graph leaves langgraph.json too');
  t.deepEqual(Object.keys(JSON.parse(r.read('langgraph.json')).graphs), ['b']);
  t.false(r.exists('app/flows/acme/flow_a.py'));
  r.remove('flows/b.json');
  const head = await r.git('rev-parse', 'HEAD');
  const refused = await once(r);
  t.is(refused.code, 1);
  t.regex(refused.stdout, /refused: no flow files, but 4 generated file\(s\) exist/);
  t.true(r.exists('app/flows/acme/flow_b.py'));
  t.is(await r.git('rev-parse', 'HEAD'), head);
  t.is((await once(r, '--allow-empty')).code, 0);
  t.false(r.exists('app/flows/acme/flow_b.py'));
  t.is(r.read('app/flows/acme/tools.py'), 'HELPER = 1\n');
});

test('the remote moved (another clone pushed): rebuilt on the new tip and pushed, nothing lost', async (t) => {
  const r = await repo(t);
  const other = await r.clone();
  other.write('flows/theirs.json', chatFlow({ prompt: 'Theirs' }));
  t.is((await once(other)).code, 0);
  r.write('flows/mine.json', chatFlow({ prompt: 'Mine' }));
  const res = await once(r, '--json');
  t.is(res.code, 0, res.stderr + res.stdout);
  t.is(JSON.parse(res.stdout).push.state, 'pushed');
  const tip = (await r.git('ls-remote', 'origin', `refs/heads/${r.branch}`)).split('\t')[0]!;
  t.is(tip, await r.git('rev-parse', 'HEAD'));
  t.true(await r.git('merge-base', '--is-ancestor', await other.git('rev-parse', 'HEAD'), tip).then(() => true, () => false));
  const tree = (await r.git('ls-tree', '-r', '--name-only', tip)).split('\n');
  for (const f of [...files('mine'), ...files('theirs')]) t.true(tree.includes(f), f);
  // The other clone converges too: it pulls, and its own --once finds nothing to do.
  await other.git('pull', '-q', '--ff-only');
  const again = await once(other, '--json');
  t.is(again.code, 0);
  t.deepEqual(JSON.parse(again.stdout).builds, []);
});

test('remote unreachable: the build stays local, status says so; the next pass pushes it', async (t) => {
  const r = await repo(t);
  renameSync(r.remote!, `${r.remote}.down`);
  r.write('flows/a.json', chatFlow());
  const res = await once(r);
  t.is(res.code, 1);
  t.regex(res.stdout, /push pending \(retried on the next pass\): remote unreachable/);
  const built = await r.git('rev-parse', 'HEAD');
  t.regex(await r.git('log', '-1', '--format=%s'), /^codegen: acme v/);
  const status = JSON.parse((await flowc(['--repo', r.dir, 'status', '--json'], { env })).stdout);
  t.true(status.push.pending);
  t.regex(status.push.lastError, /remote unreachable/);
  t.regex((await flowc(['--repo', r.dir, 'status'], { env })).stdout, /push pending: bld-acme-/);
  renameSync(`${r.remote}.down`, r.remote!);
  const back = await once(r, '--json');
  t.is(back.code, 0);
  t.is(JSON.parse(back.stdout).push.state, 'pushed');
  t.is(await r.git('rev-parse', 'HEAD'), built, 'no new build: the same one was pushed');
  t.is((await r.git('ls-remote', 'origin', `refs/heads/${r.branch}`)).split('\t')[0], built);
});
