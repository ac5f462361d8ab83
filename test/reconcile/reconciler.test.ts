/** The watch controller in process (fake compiler, real repo, real file watcher): coalescing, status, metrics, stop. */
import test from 'ava';
import { setLogLevel } from '../../src/log.js';
import { startController } from '../../src/reconcile/reconciler.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { fakeFlow, passDeps } from './fakes.js';

setLogLevel('silent');

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('events are coalesced into few passes; status and the flows gauge follow; stop() waits for the pass in flight', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  const deps = await passDeps(r.dir, { env: { FLOWC_DEBOUNCE_MS: '40', FLOWC_RESYNC_SECONDS: '3600' } });
  let passes = 0;
  const gauge = new Map<string, number>();
  const metrics = {
    reconcileDuration: { observe: () => void passes++ },
    builds: { inc: () => {} },
    pushes: { inc: () => {} },
    reloads: { inc: () => {} },
    flows: { reset: () => gauge.clear(), set: (l: { state: string }, v: number) => void gauge.set(l.state, v) },
  };
  const ctl = startController(deps, { allowEmpty: false, metrics });
  t.teardown(() => ctl.stop());
  await ctl.ready;
  const afterStart = passes;
  for (let i = 0; i < 40; i++) r.write(`flows/f${i}.json`, fakeFlow(`F${i}`));
  r.write('flows/bad.json', fakeFlow('Bad', {}, { broken: true }));
  await until('all built', async () => (await r.git('ls-files', 'app/flows/acme')).split('\n').filter((f) => f.includes('flow_f')).length === 40);
  // The commit lands a moment before the pass publishes its status.
  await until('status caught up', () => ctl.status().flows.length === 41 && ctl.status().flows.filter((f) => f.status === 'Synced').length === 40);
  t.true(passes - afterStart <= 8, `${passes - afterStart} passes for 41 files`);
  const s = ctl.status();
  t.is(s.flows.filter((f) => f.status === 'Synced').length, 40);
  t.regex(s.flows.find((f) => f.id === 'bad')!.reason!, /Frobnicator/);
  t.deepEqual(Object.fromEntries(gauge), { Synced: 40, Failed: 1 }, JSON.stringify([...gauge]) + passes);
  t.is(s.head, await r.git('rev-parse', 'HEAD'));

  // A poke starts a pass; stop() during it resolves only after it has finished.
  r.write('flows/late.json', fakeFlow('Late'));
  ctl.poke('late');
  await new Promise((res) => setTimeout(res, 60));
  await ctl.stop();
  const tree = await r.git('ls-tree', '-r', '--name-only', 'HEAD');
  const dirty = await r.git('status', '--porcelain', 'app', 'tests');
  t.true(tree.includes('app/flows/acme/flow_late.py') ? dirty === '' : !r.exists('app/flows/acme/flow_late.py'), 'the late build is whole or absent');
});

test('issue 16: watch mode builds a burst larger than batch_flows in batches, each its own build, until all are in', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  const deps = await passDeps(r.dir, { env: { FLOWC_DEBOUNCE_MS: '40', FLOWC_RESYNC_SECONDS: '3600', FLOWC_BATCH_FLOWS: '4' } });
  const ctl = startController(deps, { allowEmpty: false });
  t.teardown(() => ctl.stop());
  await ctl.ready;
  for (let i = 0; i < 10; i++) r.write(`flows/f${i}.json`, fakeFlow(`F${i}`));
  await until('all built', async () => (await r.git('ls-files', 'app/flows/acme')).split('\n').filter((f) => f.includes('flow_f')).length === 10);
  await until('status caught up', () => ctl.status().flows.filter((f) => f.status === 'Synced').length === 10);
  const builds = (await r.git('log', '--format=%s')).split('\n').filter((s) => s.startsWith('codegen:'));
  t.true(builds.length >= 3, `${builds.length} builds for 10 flows in batches of 4`);
  for (const commit of (await r.git('log', '--format=%H', '--grep=^codegen:')).split('\n')) {
    const flows = (await r.git('diff-tree', '--no-commit-id', '--name-only', '-r', commit)).split('\n').filter((f) => /flow_f\d+\.py$/.test(f));
    t.true(flows.length <= 4, `a build of ${flows.length} flows`);
  }
});
