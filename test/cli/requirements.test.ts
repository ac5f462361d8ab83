/**
 * Issue 13: the tenant's Python requirements include lfx only while a flow needs it. flowc keeps
 * `requirements-flows.txt` (which init's requirements.txt includes) with the builds, through the
 * built CLI on a real repo: a plain chat flow needs nothing beyond the base; a flow with a custom
 * component (run with lfx) adds lfx and what only it needs in its build commit; a failing edit
 * keeps its last good build, so lfx stays; removing the flow removes lfx.
 */
import test from 'ava';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { canonicalName, LFX_ONLY, parsePins } from '../../src/codegen/requirements.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { shoutFlow } from '../codegen/flowkit.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

test('requirements-flows.txt lists lfx exactly while a built flow runs a component from its source', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  const once = async () => {
    const run = await flowc(['--repo', r.dir, 'reconcile', '--once']);
    t.is(run.code, 0, run.stdout + run.stderr);
  };
  const pinned = () => parsePins(r.read('requirements-flows.txt')).map((p) => canonicalName(p.name));

  r.write('flows/chat.json', chatFlow());
  await once();
  t.deepEqual(pinned(), [], 'a chat flow runs on the base environment');
  t.regex(r.read('requirements-flows.txt'), /^# No flow does now/m);

  r.write('flows/shout.json', shoutFlow());
  await once();
  const names = pinned();
  t.true(names.includes('lfx'), 'lfx once a flow runs a custom component');
  t.deepEqual([...names].sort(), [...LFX_ONLY].sort(), 'with exactly what only lfx needs');
  t.regex(r.read('requirements-flows.txt'), /^# Needed by: flow_shout\.py\.$/m);
  t.true((await r.git('show', '--name-only', '--format=', 'HEAD')).split('\n').includes('requirements-flows.txt'), "in the flow's build commit");

  // A broken edit keeps the last good build, which still runs the component.
  r.write('flows/shout.json', '{"data": ');
  const failing = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.not(failing.code, 0);
  t.true(pinned().includes('lfx'), "the last good build's needs stay");

  rmSync(path.join(r.dir, 'flows/shout.json'));
  await once();
  t.deepEqual(pinned(), [], 'no flow needs lfx any more');
  t.true((await r.git('show', '--name-only', '--format=', 'HEAD')).split('\n').includes('requirements-flows.txt'));
});
