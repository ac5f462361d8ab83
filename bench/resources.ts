/**
 * Resource bounds of watch mode (issue 9 #5; asserts nothing, prints what it measures):
 *
 *   npm run -s build && npx tsx bench/resources.ts [flows=10000] [burst=1000]
 *
 * One tenant repo with N flows (the test fixture chat flow, each with its own prompt), no remote,
 * validation off (Python is a separate process with its own footprint). The watch controller runs
 * in this process from dist/ (the real compiler, git, the file watcher), and we sample RSS and the
 * controller's queue every 5 ms:
 *   1. first pass: build all N flows (peak RSS);
 *   2. idle, converged (RSS after a GC, with N flows watched);
 *   3. a burst of B new flow files written at once, each also poked as the webhook would: the
 *      largest number of passes queued or running (coalesced: at most one runs, one waits) and of
 *      changes waiting, then the peak RSS until all B are committed.
 * Run with --expose-gc for the idle figure: NODE_OPTIONS=--expose-gc npx tsx bench/resources.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nFlows = Number(process.argv[2] ?? 10_000);
const nBurst = Number(process.argv[3] ?? 1_000);
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 }).trim();

const base = JSON.parse(readFileSync(path.join(root, 'test/fixtures/reconcile/chat.json'), 'utf8'));
const flow = (prompt: string) => {
  const f = structuredClone(base);
  for (const n of f.data.nodes) if (n.data.type === 'Prompt') n.data.node.template.template.value = prompt;
  return JSON.stringify(f, null, 2);
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-res-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
git(dir, 'init', '-q', '-b', 'tenant/acme');
git(dir, 'config', 'user.name', 'bench');
git(dir, 'config', 'user.email', 'bench@flowc.invalid');
writeFileSync(path.join(dir, 'flowc.yaml'), 'slug: acme\n');
mkdirSync(path.join(dir, 'flows'));
for (let i = 0; i < nFlows; i++) writeFileSync(path.join(dir, 'flows', `f${i}.json`), flow(`Flow number ${i}.`));
git(dir, 'add', '.');
git(dir, 'commit', '-q', '-m', 'flows');

const { loadConfig } = await import(path.join(root, 'dist/config/load.js'));
const { liveDeps } = await import(path.join(root, 'dist/reconcile/live.js'));
const { startController } = await import(path.join(root, 'dist/reconcile/reconciler.js'));
const { setLogLevel } = await import(path.join(root, 'dist/log.js'));
setLogLevel('error');
const config = loadConfig(dir, { ...process.env, FLOWC_VALIDATE: 'none', FLOWC_DEBOUNCE_MS: '200', FLOWC_RESYNC_SECONDS: '3600' });
const deps = await liveDeps(config);
const rssStart = process.memoryUsage().rss;

let peak = 0;
let maxPasses = 0;
let maxChanges = 0;
type Ctl = { load(): { passes: number; changes: number }; ready: Promise<void>; poke(id?: string): void; stop(): Promise<void> };
let running: Ctl | undefined;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
  if (running) {
    const l = running.load();
    maxPasses = Math.max(maxPasses, l.passes);
    maxChanges = Math.max(maxChanges, l.changes);
  }
}, 5);
// Flow modules committed (not their diagrams, flow_<id>.md).
const committed = () => Number(git(dir, 'ls-files', 'app/flows/acme').split('\n').filter((f) => /\/flow_[^/]*\.py$/.test(f)).length);
const until = async (fn: () => boolean) => {
  while (!fn()) await new Promise((r) => setTimeout(r, 250));
};

let t0 = Date.now();
const ctl: Ctl = startController(deps, { allowEmpty: false });
running = ctl;
await ctl.ready;
await until(() => committed() >= nFlows);
console.log(`first pass: ${nFlows} flows built in ${((Date.now() - t0) / 1000).toFixed(1)} s; RSS at start ${mb(rssStart)}, peak ${mb(peak)}`);

// Idle = the follow-up pass (re-reading what git now holds) has finished and nothing is queued.
for (let quiet = 0; quiet < 8; ) {
  await new Promise((r) => setTimeout(r, 250));
  quiet = ctl.load().passes === 0 ? quiet + 1 : 0;
}
(globalThis as { gc?: () => void }).gc?.();
console.log(`idle, converged, ${nFlows} flows watched: RSS ${mb(process.memoryUsage().rss)} (heap used ${mb(process.memoryUsage().heapUsed)})${(globalThis as { gc?: unknown }).gc ? ' after GC' : ''}`);

peak = 0;
maxPasses = 0;
maxChanges = 0;
t0 = Date.now();
for (let i = 0; i < nBurst; i++) {
  writeFileSync(path.join(dir, 'flows', `burst${i}.json`), flow(`Burst ${i}.`));
  ctl.poke(`burst${i}`);
}
await until(() => committed() >= nFlows + nBurst);
clearInterval(sampler);
console.log(`burst of ${nBurst} drops: all committed in ${((Date.now() - t0) / 1000).toFixed(1)} s; passes queued or running at most ${maxPasses} (bound 2); changes waiting at most ${maxChanges} (bound ${nBurst} distinct flows, webhook refused past 10,000); peak RSS ${mb(peak)}`);
await ctl.stop();
await deps.close();
