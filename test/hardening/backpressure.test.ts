/**
 * Issue 9 (5): a burst of 1,000 drops never grows the queue without bound (passes coalesce: one
 * runs, one waits), and the webhook answers 503 while the reconciler is suspended or too many
 * changes wait. In process: real repo, real file watcher, real HTTP listener, fake compiler.
 */
import test from 'ava';
import { startHttpServer } from '../../src/http/server.js';
import { setLogLevel } from '../../src/log.js';
import { startController } from '../../src/reconcile/reconciler.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { deliver } from '../http/helpers.js';
import { fakeFlow, passDeps } from '../reconcile/fakes.js';

setLogLevel('silent');

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 120_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a burst of 1,000 drops: at most one pass runs and one waits; every flow is built', async (t) => {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  const deps = await passDeps(r.dir, { env: { FLOWC_DEBOUNCE_MS: '50', FLOWC_RESYNC_SECONDS: '3600' } });
  const ctl = startController(deps, { allowEmpty: false });
  t.teardown(() => ctl.stop());
  await ctl.ready;

  let maxPasses = 0;
  let maxChanges = 0;
  const sample = setInterval(() => {
    const l = ctl.load();
    maxPasses = Math.max(maxPasses, l.passes);
    maxChanges = Math.max(maxChanges, l.changes);
  }, 2);
  t.teardown(() => clearInterval(sample));
  for (let i = 0; i < 1000; i++) {
    r.write(`flows/d${i}.json`, fakeFlow(`D${i}`));
    ctl.poke(`d${i}`); // as the webhook does, on top of the watcher's own events
  }
  await until('all 1,000 built', async () => (await r.git('ls-files', 'app/flows/acme')).split('\n').filter((f) => f.includes('/flow_d')).length === 1000);
  clearInterval(sample);
  t.true(maxPasses <= 2, `${maxPasses} passes queued or running`);
  t.true(maxPasses >= 1, 'the sampler saw the work');
  t.true(maxChanges <= 1000, `${maxChanges} changes waiting for 1,000 distinct flows`);
  t.is(await r.git('status', '--porcelain', 'app', 'tests', 'flows'), '');
});

test('admit(): queue_full past the bound, 503 from the webhook; suspended once stopping', async (t) => {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  // The waiting set must still be full when the delivery below arrives: a debounce long enough
  // that a loaded machine cannot start the pass first (300 ms once could).
  const deps = await passDeps(r.dir, { env: { FLOWC_DEBOUNCE_MS: '2000', FLOWC_RESYNC_SECONDS: '3600' } });
  const ctl = startController(deps, { allowEmpty: false, maxWaiting: 5 });
  t.teardown(() => ctl.stop());
  await ctl.ready;
  const server = await startHttpServer({
    listen: '127.0.0.1:0',
    flowsDir: `${r.dir}/flows`,
    poke: (id) => ctl.poke(id),
    status: () => ctl.status(),
    ready: async () => ({ ok: true, reasons: [] }),
    auth: {},
    admit: () => ctl.admit(),
  });
  t.teardown(() => server.close());

  t.deepEqual(ctl.admit(), { ok: true });
  for (let i = 0; i < 6; i++) ctl.poke(`p${i}`); // within one debounce window: all waiting
  t.deepEqual(ctl.admit(), { ok: false, reason: 'queue_full' });
  t.is(ctl.load().changes, 5, 'the waiting set stops growing at its bound');
  const full = await deliver(server.url, '{}');
  t.is(full.status, 503);
  t.regex(full.json.error, /queue is full/);
  t.is(full.headers['retry-after'], '5');

  // The pass picks the changes up; the door opens again.
  await until('admitted again', () => ctl.admit().ok);
  const open = await deliver(server.url, '{}');
  t.not(open.status, 503);

  const stopping = ctl.stop();
  t.deepEqual(ctl.admit(), { ok: false, reason: 'suspended' });
  t.is((await deliver(server.url, '{}')).status, 503);
  await stopping;
});
