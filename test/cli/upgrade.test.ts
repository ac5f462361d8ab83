/**
 * Upgrade (issue 12, acceptance 6): a tenant repo built by the previous release (a flow module per
 * flow with its own runtime copy; test/fixtures/upgrade) converges onto the LangGraph shape in one
 * build commit through the built CLI, real git and a bare remote, with the real validator; after it
 * `--check` is clean, and nothing that was not generated is touched.
 */
import test from 'ava';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { flowc } from './flowc.js';

const SNAPSHOT = path.join(repoRoot, 'test/fixtures/upgrade/previous-release');

test('a repo built by the previous release converges in one build commit, and --check is clean after', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  cpSync(SNAPSHOT, r.dir, { recursive: true });
  r.write('app/custom.py', '# hand-written, not generated\nVALUE = 1\n');
  await r.git('add', '-A');
  await r.git('commit', '-qm', 'codegen: acme (previous release)');
  await r.git('push', '-q', 'origin', r.branch);
  const before = await r.git('rev-parse', 'HEAD');
  const flowsBefore = ['flows/memory_chat.json', 'flows/router.json'].map((f) => r.read(f));

  const drift = await flowc(['--repo', r.dir, 'reconcile', '--check', '--json']);
  t.is(drift.code, 1, 'the previous release\'s output is drift for this one');

  const run = await flowc(['--repo', r.dir, 'reconcile', '--once']);
  t.is(run.code, 0, run.stderr + run.stdout);
  t.is(await r.git('rev-parse', 'HEAD~1'), before, 'exactly one commit on top');
  t.regex(await r.git('log', '-1', '--format=%s'), /^codegen: acme v\d{8}T\d{6}\.\d{3}Z$/);
  const changed = (await r.git('diff', '--name-status', before, 'HEAD')).split('\n').filter(Boolean).sort();
  t.deepEqual(changed, [
    'A\tapp/flows/acme/flow_memory_chat.md',
    'A\tapp/flows/acme/flow_router.md',
    'A\tapp/flows/acme/flowc_runtime.py',
    'A\tlanggraph.json',
    'A\trequirements-flows.txt',
    'A\ttests/smoke/conftest.py',
    'M\tapp/flows/acme/flow_memory_chat.py',
    'M\tapp/flows/acme/flow_router.py',
    'M\tapp/flows/acme/runner_memory_chat.py',
    'M\tapp/flows/acme/runner_router.py',
    'M\tapp/server.py',
    'M\ttests/smoke/test_memory_chat.py',
    'M\ttests/smoke/test_router.py',
  ]);
  t.deepEqual(['flows/memory_chat.json', 'flows/router.json'].map((f) => r.read(f)), flowsBefore, 'the flows are untouched');
  t.is(r.read('app/custom.py'), '# hand-written, not generated\nVALUE = 1\n');
  for (const m of ['flow_memory_chat', 'flow_router']) {
    const module = r.read(`app/flows/acme/${m}.py`);
    t.regex(module, /^builder = StateGraph\(/m, `${m} builds a StateGraph`);
    t.regex(module, /^from flowc_runtime import/m, `${m} imports the tenant runtime`);
  }
  t.deepEqual(Object.keys(JSON.parse(r.read('langgraph.json')).graphs), ['memory_chat', 'router']);
  t.is(await r.git('rev-parse', 'HEAD'), await r.git('rev-parse', `origin/${r.branch}`), 'pushed');

  const check = await flowc(['--repo', r.dir, 'reconcile', '--check', '--json']);
  t.is(check.code, 0, check.stdout);
  t.deepEqual(JSON.parse(check.stdout), { inSync: true, refused: null, drift: [], failed: [] });
  t.is(await r.git('status', '--porcelain'), '', 'nothing left uncommitted');
});
