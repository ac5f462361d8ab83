/**
 * Issue 15 #5: `flowc suspend` / `flowc resume` (a flow, or the whole tenant) through the built CLI
 * on a real repo: a suspended flow's edit produces no build, its outputs stay even when its file
 * goes, status says Suspended; resuming builds it.
 */
import test from 'ava';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

const tags = async (r: { git(...a: string[]): Promise<string> }) => (await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean).length;

test('a suspended flow is neither built nor pruned, status says so; resuming builds it; the same for the whole tenant', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  r.write('flows/alpha.json', chatFlow({ prompt: 'Alpha one.' }));
  r.write('flows/beta.json', chatFlow({ prompt: 'Beta one.' }));
  const once = () => flowc(['--repo', r.dir, 'reconcile', '--once']);
  const status = async () => JSON.parse((await flowc(['--repo', r.dir, 'status', '--json'])).stdout) as { flows: Array<{ id: string; status: string; reason: string | null }> };
  t.is((await once()).code, 0);
  t.is(await tags(r), 1);

  const suspended = await flowc(['--repo', r.dir, 'suspend', 'alpha']);
  t.is(suspended.code, 0, suspended.stderr);
  t.regex(suspended.stdout, /suspended alpha in flowc\.yaml; commit it/);
  t.regex(r.read('flowc.yaml'), /^suspend:\n\s+- alpha$/m);
  r.write('flows/alpha.json', chatFlow({ prompt: 'Alpha two.' }));
  const skipped = await once();
  t.is(skipped.code, 0, skipped.stdout + skipped.stderr);
  t.is(await tags(r), 1, "a suspended flow's edit produces no build");
  t.notRegex(r.read('app/flows/acme/flow_alpha.py'), /Alpha two/);
  const alpha = (await status()).flows.find((f) => f.id === 'alpha')!;
  t.is(alpha.status, 'Suspended');
  t.regex(alpha.reason!, /flowc resume/);
  t.regex((await flowc(['--repo', r.dir, 'status'])).stdout, /alpha +Suspended/);
  // Its file gone: its outputs stay (not pruned) while suspended.
  rmSync(path.join(r.dir, 'flows/alpha.json'));
  t.is((await once()).code, 0);
  t.true(r.exists('app/flows/acme/flow_alpha.py'), 'a suspended flow is not pruned');
  // Check mode: a suspended flow is not drift.
  t.is((await flowc(['--repo', r.dir, 'reconcile', '--check'])).code, 0);

  r.write('flows/alpha.json', chatFlow({ prompt: 'Alpha two.' }));
  t.is((await flowc(['--repo', r.dir, 'resume', 'alpha'])).code, 0);
  t.notRegex(r.read('flowc.yaml'), /suspend/);
  t.is((await once()).code, 0);
  t.is(await tags(r), 2, 'resuming builds it');
  t.regex(r.read('app/flows/acme/flow_alpha.py'), /Alpha two/);

  // The whole tenant.
  t.is((await flowc(['--repo', r.dir, 'suspend'])).code, 0);
  t.regex(r.read('flowc.yaml'), /^suspend: true$/m);
  r.write('flows/beta.json', chatFlow({ prompt: 'Beta two.' }));
  t.is((await once()).code, 0);
  t.is(await tags(r), 2);
  t.true((await status()).flows.every((f) => f.status === 'Suspended'));
  t.regex((await flowc(['--repo', r.dir, 'status'])).stdout, /suspended: the whole tenant/);
  const partial = await flowc(['--repo', r.dir, 'resume', 'beta']);
  t.is(partial.code, 2);
  t.regex(partial.stderr, /the whole tenant is suspended/);
  t.is((await flowc(['--repo', r.dir, 'resume'])).code, 0);
  t.is((await once()).code, 0);
  t.is(await tags(r), 3);
  t.regex(r.read('app/flows/acme/flow_beta.py'), /Beta two/);
});
