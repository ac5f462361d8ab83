/**
 * The pre-commit hook's cost: `flowc reconcile --once --check` on a converged tenant repo with N
 * flows (default 100, copies of examples/flows/demo-chat.json with their own ids and prompts),
 * against `git status` on the same repo — the command every commit pays for anyway. Both are timed
 * as whole processes, as the hook runs them; the same check on an empty tenant shows how much of it
 * is process start-up. Prints the medians and the ratio; asserts nothing.
 *
 *   npm run -s build && npx tsx bench/check.ts [flows=100] [runs=11]
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeDemoFlows } from './flows.js';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/flowc.js');
const flows = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 11);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, okCodes = [0]): Promise<number> {
  const t0 = process.hrtime.bigint();
  try {
    await exec(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
  } catch (err) {
    const code = (err as { code?: number }).code ?? -1;
    if (!okCodes.includes(code)) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${(err as { stderr?: string }).stderr ?? ''}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A converged tenant repo with `count` flows; returns its path. */
async function tenant(count: number, env: NodeJS.ProcessEnv, made: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-check-'));
  made.push(dir);
  execFileSync('git', ['init', '-q', '-b', 'tenant/bench', dir]);
  await writeFile(path.join(dir, 'flowc.yaml'), 'slug: bench\nvalidate: none\n');
  writeDemoFlows(dir, count);
  await writeFile(path.join(dir, 'flows', '.gitkeep'), '');
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', 'flows'], { cwd: dir, env });
  execFileSync(process.execPath, [bin, '-C', dir, 'reconcile', '--once', '--no-listen'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  // Must be in sync, or the bench would time the drift report instead.
  await time(process.execPath, [bin, '-C', dir, 'reconcile', '--once', '--check'], dir, env);
  return dir;
}

async function main(): Promise<void> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid',
    FLOWC_VALIDATE: 'none', // setup only: the bench measures the check, not Python
    FLOWC_LOG_LEVEL: 'warn',
  };
  const dirs: string[] = [];
  try {
    const t0 = Date.now();
    const dir = await tenant(flows, env, dirs);
    console.log(`setup: ${flows} flows compiled and committed in ${Date.now() - t0} ms`);
    const empty = await tenant(0, env, dirs);

    const check: number[] = [];
    const status: number[] = [];
    const startup: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a busy neighbour on the 2 shared cores slows both alike.
      check.push(await time(process.execPath, [bin, '-C', dir, 'reconcile', '--once', '--check'], dir, env));
      status.push(await time('git', ['status', '--porcelain'], dir, env));
      startup.push(await time(process.execPath, [bin, '-C', empty, 'reconcile', '--once', '--check'], empty, env));
    }
    const c = median(check);
    const s = median(status);
    console.log(`flowc reconcile --once --check (${flows} flows): median ${c.toFixed(1)} ms over ${runs} runs`);
    console.log(`  the same check on a tenant with 0 flows:     median ${median(startup).toFixed(1)} ms (process start-up)`);
    console.log(`git status --porcelain (same repo):          median ${s.toFixed(1)} ms over ${runs} runs`);
    console.log(`ratio check / git status: ${(c / s).toFixed(1)}x`);
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

await main();
