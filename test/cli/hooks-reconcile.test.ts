/**
 * Acceptance 2 with the real pieces: a tenant repo with `flowc hooks install` (the real bin) refuses
 * a commit that leaves generated files stale — a new flow not compiled yet, then a hand-edited
 * generated file — and accepts it once `flowc reconcile --once` has converged the repo.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { installHooks } from '../../src/git/hooks.js';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';

const exec = promisify(execFile);
const bin = path.join(repoRoot, 'bin/flowc.js');
const sampleFlow = readFileSync(path.join(repoRoot, 'examples/flows/demo-chat.json'), 'utf8');

async function attempt(cwd: string, cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await exec(cmd, args, { cwd, env: { ...process.env, FLOWC_LOG_LEVEL: 'warn' } });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

test('pre-commit refuses stale generated files and accepts the commit once reconciled', async (t) => {
  // validate: none keeps Python out of this test: it is about drift, not about the generated code.
  const repo = await tenantRepo({ slug: 'hooks', config: 'validate: none\n' });
  try {
    const installed = await installHooks({ repoRoot: repo.dir, flowcBin: bin });
    t.deepEqual(installed.map((r) => r.action), ['installed', 'installed', 'installed']);

    // 1. A new flow, committed by hand without its generated code: refused.
    repo.write('flows/demo-chat.json', sampleFlow);
    await repo.git('add', 'flows/demo-chat.json');
    const refused = await attempt(repo.dir, 'git', ['commit', '-m', 'add a flow']);
    t.not(refused.code, 0, refused.out);
    t.regex(refused.out, /commit refused: generated files are stale/);
    t.regex(refused.out, /demo_chat|demo-chat/, 'the drift report names the flow');
    const head0 = await repo.git('rev-parse', 'HEAD');

    // 2. Reconciled: flowc commits the flow with its generated files; the user's commit goes through.
    const once = await attempt(repo.dir, process.execPath, [bin, '-C', repo.dir, 'reconcile', '--once']);
    t.is(once.code, 0, once.out);
    t.not(await repo.git('rev-parse', 'HEAD'), head0, 'flowc committed a build');
    const generated = readdirSync(path.join(repo.dir, 'app/flows/hooks'));
    t.true(generated.includes('flow_demo_chat.py'), generated.join(' '));
    repo.write('NOTES.md', 'reconciled\n');
    await repo.git('add', 'NOTES.md');
    const accepted = await attempt(repo.dir, 'git', ['commit', '-m', 'notes']);
    t.is(accepted.code, 0, accepted.out);

    // 3. A hand edit of a generated file: refused; reconciling restores it; accepted again.
    const flowPy = 'app/flows/hooks/flow_demo_chat.py';
    repo.write(flowPy, `${repo.read(flowPy)}\n# hand edit\n`);
    repo.write('NOTES.md', 'second\n');
    await repo.git('add', 'NOTES.md');
    const edited = await attempt(repo.dir, 'git', ['commit', '-m', 'second']);
    t.not(edited.code, 0, edited.out);
    t.regex(edited.out, /flow_demo_chat\.py/);
    t.is((await attempt(repo.dir, process.execPath, [bin, '-C', repo.dir, 'reconcile', '--once'])).code, 0);
    t.false(repo.read(flowPy).includes('# hand edit'));
    const again = await attempt(repo.dir, 'git', ['commit', '-m', 'second']);
    t.is(again.code, 0, again.out);
  } finally {
    await repo.cleanup();
  }
});
