/**
 * A burst (issue 16 #3; asserts nothing, prints what it measures): N distinct starter-size flows
 * dropped at once into `flows/` of a tenant whose watcher (`flowc reconcile`, validate: compile)
 * is running; the time until all are committed and pushed to a bare remote. Three ways, alternating,
 * same session:
 *   - on one core (`taskset -c 0`: the watcher, its checker and git share one CPU, and flowc's
 *     default is then one checker): the same work done serially, the baseline of the speed-up;
 *   - one checker on every core (FLOWC_WORKERS=1): the watcher's own work overlaps the checker's;
 *   - every core (the default: one checker per core).
 *
 *   npm run -s build && npx tsx bench/burst.ts [flows=500] [runs=1]
 *
 * BENCH_MODES="every core,one core" runs only those; BENCH_PROF=<dir> writes each watcher's CPU
 * profile there (node --cpu-prof), BENCH_LOG=<dir> its log.
 *
 * Flows: LangFlow's "Basic Prompting" starter (../shared/fixtures) when present, else the test
 * fixture chat flow, each copy with its own prompt. It also prints what the machine itself gives on
 * every core at that moment (a CPU-bound loop), the ceiling of any speed-up measured here, and
 * the work's own CPU time (watcher, checkers, git).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nFlows = Number(process.argv[2] ?? 500);
const runs = Number(process.argv[3] ?? 1);
const python = process.env.FLOWC_PYTHON ?? path.join(root, '.venv/bin/python');
const ident = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid' };
const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env: { ...process.env, ...ident }, maxBuffer: 256 << 20 }).then((r) => r.stdout.trim());

const starter = path.resolve(root, '../shared/fixtures/langflow/1.10/Basic Prompting.json');
const base = await readFile(existsSync(starter) ? starter : path.join(root, 'test/fixtures/reconcile/chat.json'), 'utf8');
const variant = (i: number) => {
  const flow = JSON.parse(base);
  for (const n of flow.data.nodes) if (n.data?.type === 'Prompt') n.data.node.template.template.value = `Burst prompt number ${i}.`;
  flow.name = `Burst ${i}`;
  return JSON.stringify(flow, null, 1);
};

/**
 * CPU seconds a process and its children have used: the watcher itself, the git commands it ran
 * (reaped, so counted in its children's time) and the processes still running under it (the
 * Python checkers).
 */
async function treeCpu(pid: number): Promise<{ watcher: number; git: number; checkers: number; total: number }> {
  // utime, stime, cutime, cstime, in clock ticks (USER_HZ, 100).
  const stat = async (p: number) => (await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
  const ticks = (f: string[], ...i: number[]) => i.reduce((n, k) => n + Number(f[k] ?? 0), 0) / 100;
  const kids = (await exec('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean).map(Number);
  const own = await stat(pid);
  const watcher = ticks(own, 11, 12);
  const git = ticks(own, 13, 14);
  const checkers = (await Promise.all(kids.map(async (k) => ticks(await stat(k), 11, 12, 13, 14)))).reduce((a, b) => a + b, 0);
  return { watcher, git, checkers, total: watcher + git + checkers };
}

type Mode = 'one core' | 'one checker' | 'every core';

async function burst(mode: Mode): Promise<{ seconds: number; cpu: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-burst-'));
  try {
    const remote = path.join(dir, 'remote.git');
    const repo = path.join(dir, 'tenant');
    await git(dir, 'init', '-q', '--bare', remote);
    await mkdir(path.join(repo, 'flows'), { recursive: true });
    await git(repo, 'init', '-q', '-b', 'tenant/bench');
    await writeFile(path.join(repo, 'flowc.yaml'), 'slug: bench\n');
    await writeFile(path.join(repo, 'flows/.gitkeep'), '');
    await git(repo, 'remote', 'add', 'origin', remote);
    await git(repo, 'add', '.');
    await git(repo, 'commit', '-qm', 'init');
    await git(repo, 'push', '-q', 'origin', 'tenant/bench');
    const env = { ...process.env, ...ident, FLOWC_LOG_LEVEL: 'info', FLOWC_VALIDATE: 'compile', FLOWC_PYTHON: python, FLOWC_DEBOUNCE_MS: '200', ...(mode === 'one checker' ? { FLOWC_WORKERS: '1' } : {}) };
    const node = [process.execPath, ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []), path.join(root, 'bin/flowc.js'), '--repo', repo, 'reconcile'];
    // The children (checker, git) inherit the affinity; Node then sees one core, so one checker.
    const argv = mode === 'one core' ? ['taskset', '-c', '0', ...node] : node;
    const watcher = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    watcher.stdout.on('data', (d: Buffer) => (log += d.toString()));
    watcher.stderr.on('data', (d: Buffer) => (log += d.toString()));
    if (process.env.BENCH_LOG) watcher.on('exit', () => writeFileSync(`${process.env.BENCH_LOG}/${mode.replace(' ', '-')}.log`, log));
    try {
      // Ready: the first pass has built and pushed the tenant files (the runtime, the server), as a
      // watcher that has run for a while has; the burst is what is timed.
      while (!/reconciler started/.test(log) || !(await git(remote, 'tag', '--list', 'bld-*').catch(() => ''))) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      // The flows are made before the clock starts: dropping them is what is timed, not making them.
      const flows = Array.from({ length: nFlows }, (_, i) => variant(i));
      const cpu0 = await treeCpu(watcher.pid!);
      const t0 = process.hrtime.bigint();
      await Promise.all(flows.map((text, i) => writeFile(path.join(repo, 'flows', `b${i}.json`), text)));
      // Done when the remote holds every flow module, looked at each time a build tag lands there:
      // a poll loop would take CPU from the build being timed (and only when every core is busy).
      // The branch and the tag are two files of one ref transaction: both are watched.
      let landed = () => {};
      const refWatchers = ['refs/tags', 'refs/heads/tenant'].map((d) => watch(path.join(remote, d), () => landed()));
      try {
        for (;;) {
          const next = new Promise<void>((r) => (landed = r));
          const tree = await git(remote, 'ls-tree', '-r', '--name-only', 'tenant/bench', 'app/flows/bench').catch(() => '');
          if (tree.split('\n').filter((f) => /\/flow_b\d+\.py$/.test(f)).length >= nFlows) break;
          await Promise.race([next, new Promise((r) => setTimeout(r, 1000))]);
        }
      } finally {
        for (const w of refWatchers) w.close();
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu1 = await treeCpu(watcher.pid!);
      const part = (k: keyof typeof cpu1) => (cpu1[k] - cpu0[k]).toFixed(1);
      const cpu = cpu1.total - cpu0.total;
      // A build's tag message begins `build <slug> v<ts>: N change(s)`.
      const builds = (await git(remote, 'for-each-ref', '--sort=refname', '--format=%(contents:subject)', 'refs/tags/bld-*')).split('\n').map((s) => /: (\d+) change/.exec(s)?.[1]).filter(Boolean).slice(1);
      console.log(`  ${mode}: ${seconds.toFixed(1)} s (${cpu.toFixed(1)} s of CPU: watcher ${part('watcher')}, git ${part('git')}, checkers ${part('checkers')}), ${builds.length} build(s) of ${builds.join(' + ')} change(s)`);
      return { seconds, cpu };
    } finally {
      watcher.kill('SIGTERM');
      await new Promise((r) => watcher.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/**
 * What this machine itself gives on every core, now: a fixed CPU-bound Python loop run alone, then
 * once per core at the same time; cores × alone ÷ together, median of 5. A shared VM's cores are often
 * hyperthreads or contended, and no program gets more than this from them.
 */
async function machineSpeedup(): Promise<number> {
  const spin = () => exec(python, ['-c', 'import time\nt = time.perf_counter()\ns = 0\nfor i in range(10_000_000): s += i\nprint(time.perf_counter() - t)']).then((r) => Number(r.stdout));
  const cores = os.availableParallelism();
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    const alone = await spin();
    const together = await Promise.all(Array.from({ length: cores }, spin));
    ratios.push((alone / Math.max(...together)) * cores);
  }
  return median(ratios);
}

const results: Record<Mode, Array<{ seconds: number; cpu: number }>> = { 'one core': [], 'one checker': [], 'every core': [] };
const modes = (process.env.BENCH_MODES?.split(',') ?? Object.keys(results)) as Mode[];
const machine: number[] = [];
for (let i = 0; i < runs; i++) {
  machine.push(await machineSpeedup());
  for (const mode of modes) results[mode].push(await burst(mode));
}
machine.push(await machineSpeedup());
const secs = (mode: Mode) => results[mode].map((r) => r.seconds);
const show = (xs: number[]) => xs.map((s) => s.toFixed(1)).join(', ');
const label: Record<Mode, string> = {
  'one core': 'on one core (taskset -c 0), the work done serially:',
  'one checker': 'one checker (FLOWC_WORKERS=1) on every core:       ',
  'every core': 'every core (default):                              ',
};
console.log(`${nFlows} flows dropped at once, validate: compile, ${os.availableParallelism()} cores; until all committed and pushed:`);
for (const mode of modes) console.log(`  ${label[mode]} ${show(secs(mode))} s (CPU ${show(results[mode].map((r) => r.cpu))} s)`);
const speedup = (base: Mode, what: string) => {
  if (modes.includes(base) && modes.includes('every core')) console.log(`  speed-up against ${what} (median): ${(median(secs(base)) / median(secs('every core'))).toFixed(2)}x`);
};
speedup('one core', 'the work done serially, on one core');
// One checker is not serial: the watcher's own work (compile, guard, writes, git) runs on the
// other core meanwhile, so only the checking is left to spread.
speedup('one checker', 'one checker on every core');
console.log(`  the machine's own speed-up on ${os.availableParallelism()} cores (CPU-bound loop, before, between and after): ${machine.map((m) => m.toFixed(2)).join(', ')}x`);
