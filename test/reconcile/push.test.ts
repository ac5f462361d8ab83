/**
 * moveOntoRemote's carry (issue 9 acceptance 2): after a rejected push, only the flow versions the
 * remote never held are carried onto its tip. A version the remote already published and then
 * changed (another clone's edit) must not be written back over the newer one.
 */
import test from 'ava';
import { createGit } from '../../src/git/git.js';
import { moveOntoRemote } from '../../src/reconcile/push.js';
import { tenantRepo } from '../helpers/gitrepo.js';

test('carry: a local save the remote never saw wins; a version the remote moved past does not come back', async (t) => {
  const a = await tenantRepo();
  t.teardown(() => a.cleanup());
  const b = await a.clone();
  const commit = async (r: typeof a, msg: string, files: Record<string, string>) => {
    for (const [f, c] of Object.entries(files)) r.write(f, c);
    await r.git('add', ...Object.keys(files));
    await r.git('commit', '-q', '-m', msg);
  };
  // A publishes x at v1 and then another clone's edit v2 lands on top.
  await commit(a, 'x v1', { 'flows/x.json': '{"v":1}\n' });
  await commit(a, 'x v2', { 'flows/x.json': '{"v":2}\n' });
  await a.git('push', '-q', 'origin', a.branch);
  // B holds its own, unpublished commit of x at v1 (the same content, another commit) and a new flow y.
  await commit(b, 'b: x v1 and y', { 'flows/x.json': '{"v":1}\n', 'flows/y.json': '{"y":1}\n' });
  const moved = await moveOntoRemote(createGit({ cwd: b.dir }), { root: b.dir, remote: 'origin', branch: b.branch, tagPrefix: 'bld-acme-', flowsDir: 'flows', pendingTags: [] });
  t.deepEqual(moved.carried, ['flows/y.json']);
  t.is(b.read('flows/x.json'), '{"v":2}\n', 'the remote moved past v1: its v2 stays');
  t.is(b.read('flows/y.json'), '{"y":1}\n', 'a flow the remote never saw is carried');
  t.is(await b.git('rev-parse', 'HEAD'), await a.git('rev-parse', 'HEAD'));
});
