/**
 * DESIGN §6.7: kill -9 anywhere during a build → the next start converges with nothing lost and no
 * half-written file committed. The kill lands wherever it lands; the invariants are checked after.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseHeader } from '../../src/codegen/header.js';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc, pythonPath } from './flowc.js';

for (const delayMs of [0, 120]) {
  test(`kill -9 during a build (${delayMs} ms after the first output appears), then --once converges`, async (t) => {
    const r = await tenantRepo();
    t.teardown(() => r.cleanup());
    const ids = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const id of ids) r.write(`flows/${id}.json`, chatFlow({ prompt: `Flow ${id}.` }));
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--once'], {
      env: { ...process.env, FLOWC_VALIDATE: 'none', FLOWC_LOG_LEVEL: 'silent', FLOWC_PYTHON: pythonPath() },
      stdio: 'ignore',
    });
    const closed = new Promise((res) => child.on('close', res));
    const outDir = path.join(r.dir, 'app/flows/acme');
    const end = Date.now() + 60_000;
    while (child.exitCode === null && !(existsSync(outDir) && readdirSync(outDir).length > 0) && Date.now() < end) await new Promise((res) => setTimeout(res, 5));
    await new Promise((res) => setTimeout(res, delayMs));
    child.kill('SIGKILL');
    await closed;
    await new Promise((res) => setTimeout(res, 300)); // git children run to completion in their own group

    // Whatever was recorded is whole: every tagged build has all files of the flows it names.
    for (const tag of (await r.git('tag', '-l', 'bld-*')).split('\n').filter(Boolean)) {
      const tree = new Set((await r.git('ls-tree', '-r', '--name-only', tag)).split('\n'));
      const named = (await r.git('log', '-1', '--format=%(trailers:key=Flow-Id,valueonly)', tag)).split('\n').filter(Boolean);
      for (const id of named) t.true(tree.has(`app/flows/acme/flow_${id}.py`) && tree.has(`flows/${id}.json`), `${tag}: ${id}`);
    }

    const next = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env: { FLOWC_VALIDATE: 'none' } });
    t.is(next.code, 0, next.stderr + next.stdout);
    t.is(await r.git('status', '--porcelain', '--untracked-files=all', 'app', 'tests', 'flows'), '', 'everything generated is committed');
    const tree = new Set((await r.git('ls-tree', '-r', '--name-only', 'HEAD')).split('\n'));
    for (const id of ids) for (const f of [`app/flows/acme/flow_${id}.py`, `app/flows/acme/runner_${id}.py`, `tests/smoke/test_${id}.py`, `flows/${id}.json`]) t.true(tree.has(f), f);
    // No half-written file was committed: every committed generated file is intact.
    for (const f of [...tree].filter((p) => p.endsWith('.py'))) {
      const parsed = parseHeader(await r.git('show', `HEAD:${f}`).then((s) => `${s}\n`));
      t.truthy(parsed, f);
    }
    t.is((await r.git('fsck', '--no-progress', '--no-dangling').catch((e: Error) => e.message)), '');
    t.is((await flowc(['--repo', r.dir, 'reconcile', '--check'], { env: { FLOWC_VALIDATE: 'none' } })).code, 0);
  });
}
