/**
 * `validate: smoke` on a first build: N distinct copies of the demo chat flow in a fresh tenant
 * repo, `flowc reconcile --once` (compile, check, run every flow's smoke test under one pytest,
 * commit); the wall time of the whole process. Each variant (this checkout, and any other
 * checkout's bin/flowc.js, e.g. an older release) runs on its own copy of the same repo,
 * interleaved round by round. Prints medians and ratios to the first variant; asserts nothing.
 *
 *   npm run -s build && npx tsx bench/smoke.ts [flows=100] [runs=3] [/path/to/other/bin/flowc.js ...]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoFlows } from './flows.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flows = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 3);
const bins = [path.join(root, 'bin/flowc.js'), ...process.argv.slice(4)];
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid',
  FLOWC_PYTHON: process.env.FLOWC_PYTHON ?? path.join(root, '.venv/bin/python'),
  FLOWC_LOG_LEVEL: 'warn',
};

const work = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-smoke-'));
const template = path.join(work, 'template');
execFileSync('git', ['init', '-q', '-b', 'tenant/bench', template]);
writeFileSync(path.join(template, 'flowc.yaml'), 'slug: bench\nvalidate: smoke\n');
writeDemoFlows(template, flows);
execFileSync('git', ['add', '-A'], { cwd: template, env });
execFileSync('git', ['commit', '-qm', 'flows'], { cwd: template, env });

const times = bins.map(() => [] as number[]);
try {
  for (let r = 0; r < runs; r++) {
    for (const [i, bin] of bins.entries()) {
      const repo = path.join(work, `run-${r}-${i}`);
      cpSync(template, repo, { recursive: true });
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [bin, '--repo', repo, 'reconcile', '--once', '--no-listen'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      times[i]!.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const built = execFileSync('git', ['ls-files', 'tests/smoke'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((f) => /test_bench_\d+\.py$/.test(f)).length;
      if (built !== flows) throw new Error(`${bin}: ${built} of ${flows} smoke tests committed`);
      rmSync(repo, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
console.log(`${flows} flows, validate: smoke, first build (flowc reconcile --once), ${runs} interleaved runs:`);
for (const [i, bin] of bins.entries()) {
  const ratio = i === 0 ? '' : `  (${(median(times[i]!) / median(times[0]!)).toFixed(2)}× this checkout)`;
  console.log(`  ${i === 0 ? 'this checkout' : bin}: ${times[i]!.map((s) => s.toFixed(1)).join(', ')} s, median ${median(times[i]!).toFixed(1)} s${ratio}`);
}
