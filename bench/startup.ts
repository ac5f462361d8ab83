/**
 * Where the pre-commit hook's time goes: `flowc reconcile --once --check` on one converged tenant
 * repo with N flows, run as whole processes and interleaved round by round (the 2 shared cores are
 * noisy; interleaving makes a busy neighbour slow every variant alike):
 *   node -e 0            the floor: Node's own start-up
 *   bundle               bin/flowc.js as installed (dist/bundle/, scripts/bundle.mjs)
 *   dist                 the same compiled modules unbundled (dist/main.js)
 *   git status           what every commit pays anyway
 *   other bins           e.g. an older checkout's bin/flowc.js, for before/after
 * Prints medians and ratios; asserts nothing.
 *
 *   npm run -s build && npx tsx bench/startup.ts [flows=100] [runs=15] [/path/to/other/bin/flowc.js ...]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeDemoFlows } from './flows.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/flowc.js');
const flows = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 15);
const others = process.argv.slice(4);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid',
  FLOWC_VALIDATE: 'none',
  FLOWC_LOG_LEVEL: 'warn',
};

const bundle = path.join(root, 'dist/bundle/main.js');
if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(path.join(root, 'dist/main.js')).mtimeMs) {
  console.error('dist/bundle/ is missing or older than dist/: run `npm run -s build` first');
  process.exit(2);
}

function tenant(dir: string): void {
  execFileSync('git', ['init', '-q', '-b', 'tenant/bench', dir]);
  writeFileSync(path.join(dir, 'flowc.yaml'), 'slug: bench\nvalidate: none\n');
  writeDemoFlows(dir, flows);
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', 'flows'], { cwd: dir, env });
  execFileSync(process.execPath, [bin, '-C', dir, 'reconcile', '--once', '--no-listen'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Wall time of one process, ms; exit 0 or 1 (in sync / drift) both count. */
function time(cmd: string, args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(cmd, args, { cwd, env, stdio: 'ignore' });
  } catch (err) {
    if ((err as { status?: number }).status !== 1) throw err;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-startup-'));
try {
  tenant(dir);
  const check = ['reconcile', '--once', '--check'];
  const distMain = `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist/main.js')).href)}); main(process.argv.slice(1));`;
  const variants: Array<[string, string, string[]]> = [
    ['node -e 0 (floor)', process.execPath, ['-e', '0']],
    ['flowc --check, bundle (bin/flowc.js)', process.execPath, [bin, ...check]],
    ['flowc --check, dist/ unbundled', process.execPath, ['--input-type=module', '-e', distMain, '--', ...check]],
    ...others.map((b): [string, string, string[]] => [`flowc --check, ${b}`, process.execPath, [b, ...check]]),
    ['git status --porcelain', 'git', ['status', '--porcelain']],
  ];
  for (const [, cmd, args] of variants) time(cmd, args, dir); // warm the file cache
  const ms = variants.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) variants.forEach(([, cmd, args], j) => ms[j]!.push(time(cmd, args, dir)));
  const floor = median(ms[0]!);
  const status = median(ms[ms.length - 1]!);
  console.log(`${flows} flows, in sync; median of ${runs} interleaved rounds`);
  variants.forEach(([name], j) => {
    const m = median(ms[j]!);
    console.log(`  ${name.padEnd(48)} ${m.toFixed(1).padStart(7)} ms   ${(m / status).toFixed(1).padStart(5)}x git status   +${(m - floor).toFixed(1)} ms over node`);
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
