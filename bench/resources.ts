/**
 * Resource bounds of watch mode (issue 9 #5, issue 16 #5; asserts nothing, prints what it measures):
 *
 *   npm run -s build && npx tsx bench/resources.ts [flows=10000] [burst=1000]
 *
 * One tenant repo with N flows (the test fixture chat flow, each with its own prompt), no remote,
 * validation off (Python is a separate process with its own footprint). The watcher is the real
 * one, `bin/flowc.js reconcile` run as an executable (so with the V8 flags of its first line),
 * and its memory is the kernel's account of that process (/proc/<pid>/status):
 *   1. first build of all N flows: time, and peak RSS (VmHWM);
 *   2. idle, converged (RSS once nothing has run for a while);
 *   3. a burst of B new flow files written at once: time until all are committed, and the peak
 *      RSS since the burst began (VmHWM reset through /proc/<pid>/clear_refs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nFlows = Number(process.argv[2] ?? 10_000);
const nBurst = Number(process.argv[3] ?? 1_000);
const ident = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...ident } }).trim();

const base = JSON.parse(readFileSync(path.join(root, 'test/fixtures/reconcile/chat.json'), 'utf8'));
const flow = (prompt: string) => {
  const f = structuredClone(base);
  for (const n of f.data.nodes) if (n.data.type === 'Prompt') n.data.node.template.template.value = prompt;
  return JSON.stringify(f, null, 2);
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-res-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
git(dir, 'init', '-q', '-b', 'tenant/acme');
writeFileSync(path.join(dir, 'flowc.yaml'), 'slug: acme\n');
mkdirSync(path.join(dir, 'flows'));
for (let i = 0; i < nFlows; i++) writeFileSync(path.join(dir, 'flows', `f${i}.json`), flow(`Flow number ${i}.`));
git(dir, 'add', '.');
git(dir, 'commit', '-q', '-m', 'flows');

const watcher = spawn(path.join(root, 'bin/flowc.js'), ['--repo', dir, 'reconcile', '--no-listen'], {
  env: { ...process.env, ...ident, FLOWC_VALIDATE: 'none', FLOWC_LOG_LEVEL: 'warn', FLOWC_DEBOUNCE_MS: '200', FLOWC_RESYNC_SECONDS: '3600' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
process.on('exit', () => watcher.kill('SIGKILL'));
const status = () => {
  const text = readFileSync(`/proc/${watcher.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
};
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
// Flow modules committed (not their diagrams, flow_<id>.md).
const committed = () => git(dir, 'ls-files', 'app/flows/acme').split('\n').filter((f) => /\/flow_[^/]*\.py$/.test(f)).length;
const until = async (fn: () => boolean) => {
  while (!fn()) await new Promise((r) => setTimeout(r, 250));
};
/** Idle: HEAD has not moved for 5 s (the follow-up pass after the last build has run). */
const quiet = async () => {
  for (let head = git(dir, 'rev-parse', 'HEAD'), still = 0; still < 20; ) {
    await new Promise((r) => setTimeout(r, 250));
    const now = git(dir, 'rev-parse', 'HEAD');
    still = now === head ? still + 1 : 0;
    head = now;
  }
};

let t0 = Date.now();
await until(() => committed() >= nFlows);
const first = status();
console.log(`first build: ${nFlows} flows in ${((Date.now() - t0) / 1000).toFixed(1)} s; peak RSS ${mb(first.peak)}`);
await quiet();
console.log(`idle, converged, ${nFlows} flows watched: RSS ${mb(status().rss)}`);

writeFileSync(`/proc/${watcher.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
t0 = Date.now();
for (let i = 0; i < nBurst; i++) writeFileSync(path.join(dir, 'flows', `burst${i}.json`), flow(`Burst ${i}.`));
await until(() => committed() >= nFlows + nBurst);
console.log(`burst of ${nBurst} drops: all committed in ${((Date.now() - t0) / 1000).toFixed(1)} s; peak RSS ${mb(status().peak)}`);
watcher.kill('SIGTERM');
await new Promise((r) => watcher.once('exit', r));
