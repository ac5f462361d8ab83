/**
 * The reconciler's two costs that matter, as ratios (asserts nothing; DESIGN §5, issue 3 #8):
 *
 * (a) No-drift `flowc reconcile --once` over N flows (default 1,000 starter-size flows) divided by
 *     the floor: one process that reads and sha256-hashes every flow file and every generated
 *     header. Both are timed as whole processes (Node start-up included in both); medians.
 * (b) Watch mode: drop one flow into `flows/` → its commit + tag exist; p50/p95 over D drops
 *     (default 50), and the ratio to a bare `git add && git commit && git tag` of the same files.
 *
 *   npm run -s build && npx tsx bench/reconcile.ts [flows=1000] [drops=50] [runs=5]
 *
 * BENCH_KEEP=1 keeps (a)'s tenant repo and prints where, to profile a pass on it.
 *
 * Flows: LangFlow's "Basic Prompting" starter (../shared/fixtures, ~68 KB) when present, else the
 * test fixture chat flow (~9 KB), each copy with its own prompt. (b) runs twice: with the default
 * debounce window (200 ms, or FLOWC_DEBOUNCE_MS) and with 20 ms, so the build's own cost shows.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, watch as fsWatch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// A snapshot of this flowc (dist + templates), so a template edited while the bench runs does not
// change the generator digest half-way (and turn a no-drift pass into a full rebuild). Timestamps
// are kept: bin/flowc.js runs dist/bundle/ only when it is not older than dist/main.js.
const install = mkdtempSync(path.join(os.tmpdir(), 'flowc-bench-install-'));
for (const d of ['dist', 'templates', 'bin', 'package.json', 'src/python']) cpSync(path.join(root, d), path.join(install, d), { recursive: true, preserveTimestamps: true });
symlinkSync(path.join(root, 'node_modules'), path.join(install, 'node_modules'));
process.on('exit', () => rmSync(install, { recursive: true, force: true }));
const bin = path.join(install, 'bin/flowc.js');
const nFlows = Number(process.argv[2] ?? 1000);
const nDrops = Number(process.argv[3] ?? 50);
const runs = Number(process.argv[4] ?? 5);
const ident = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@flowc.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@flowc.invalid' };
const env = { ...process.env, ...ident, FLOWC_LOG_LEVEL: 'error', FLOWC_VALIDATE: process.env.FLOWC_VALIDATE ?? 'none' };

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env, maxBuffer: 256 << 20 }).then((r) => r.stdout.trim());

async function baseFlow(): Promise<{ text: string; label: string }> {
  const starter = path.resolve(root, '../shared/fixtures/langflow/1.10/Basic Prompting.json');
  if (existsSync(starter)) return { text: await readFile(starter, 'utf8'), label: 'Basic Prompting starter' };
  return { text: await readFile(path.join(root, 'test/fixtures/reconcile/chat.json'), 'utf8'), label: 'test chat fixture' };
}

function variant(text: string, i: number): string {
  const flow = JSON.parse(text);
  for (const n of flow.data.nodes) if (n.data?.type === 'Prompt') n.data.node.template.template.value = `Bench prompt number ${i}.`;
  flow.name = `Bench ${i}`;
  return JSON.stringify(flow, null, 1);
}

async function tenant(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'flows'), { recursive: true });
  await git(dir, 'init', '-q', '-b', 'tenant/bench');
  await writeFile(path.join(dir, 'flowc.yaml'), 'slug: bench\n');
  await writeFile(path.join(dir, 'flows/.gitkeep'), '');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-qm', 'init');
}

async function timed(cmd: string, args: string[], cwd: string, okCodes = [0]): Promise<number> {
  const t0 = process.hrtime.bigint();
  try {
    await exec(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
  } catch (err) {
    const code = (err as { code?: number }).code ?? -1;
    if (!okCodes.includes(code)) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${(err as { stderr?: string }).stderr ?? ''}`);
  }
  return ms(t0);
}

/** The floor of a no-drift pass: read + sha256 every flow file and every generated file's header. */
const FLOOR = `
const { readdirSync, readFileSync, openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
const root = process.argv[1];
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
let n = 0;
for (const f of walk(path.join(root, 'flows'))) if (f.endsWith('.json')) { createHash('sha256').update(readFileSync(f)).digest('hex'); n++; }
const buf = Buffer.alloc(512);
for (const f of [...walk(path.join(root, 'app')), ...walk(path.join(root, 'tests'))]) {
  const fd = openSync(f, 'r'); const k = readSync(fd, buf, 0, 512, 0); closeSync(fd);
  const text = buf.subarray(0, k).toString('utf8'); const h = text.slice(0, text.indexOf('\\n', text.indexOf('\\n') + 1));
  createHash('sha256').update(h).digest('hex'); n++;
}
if (n === 0) process.exit(1);
`;

async function noDrift(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-reconcile-'));
  try {
    await tenant(dir);
    const { text, label } = await baseFlow();
    for (let i = 0; i < nFlows; i++) await writeFile(path.join(dir, `flows/f${String(i).padStart(4, '0')}.json`), variant(text, i));
    const t0 = process.hrtime.bigint();
    await timed('node', [bin, '--repo', dir, 'reconcile', '--once'], dir);
    const firstBuild = ms(t0);
    // The first build lands in batches of batch_flows (500): one commit each.
    const built = await git(dir, 'rev-list', '--count', 'HEAD');
    const flowcRuns: number[] = [];
    const floorRuns: number[] = [];
    for (let r = 0; r < runs; r++) {
      flowcRuns.push(await timed('node', [bin, '--repo', dir, 'reconcile', '--once'], dir));
      floorRuns.push(await timed('node', ['-e', FLOOR, dir], dir));
    }
    const commits = await git(dir, 'rev-list', '--count', 'HEAD');
    if (commits !== built) throw new Error(`the no-drift runs made a commit (${commits} commits): ${await git(dir, 'log', '--stat', '-3')}`);
    const a = pct(flowcRuns, 0.5);
    const f = pct(floorRuns, 0.5);
    console.log(`(a) no-drift --once over ${nFlows} flows (${label}, ${(text.length / 1024).toFixed(0)} KB each); first build ${(firstBuild / 1000).toFixed(1)} s`);
    console.log(`    flowc --once median ${a.toFixed(0)} ms; floor (read + sha256 flows and headers) median ${f.toFixed(0)} ms; ratio ${(a / f).toFixed(2)}`);
    console.log(`    runs: flowc ${flowcRuns.map((x) => x.toFixed(0)).join(' ')}; floor ${floorRuns.map((x) => x.toFixed(0)).join(' ')}`);
  } finally {
    if (process.env.BENCH_KEEP) console.log(`    kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves when a new tag ref file appears (update-ref writes loose refs). */
function nextTag(dir: string, known: Set<string>): { done: Promise<void>; close(): void } {
  const tagsDir = path.join(dir, '.git/refs/tags');
  let close = () => {};
  const done = new Promise<void>((resolve) => {
    const w = fsWatch(tagsDir, (_e, name) => {
      if (name && name.startsWith('bld-') && !known.has(name)) {
        known.add(name);
        resolve();
      }
    });
    close = () => w.close();
  });
  return { done, close };
}

async function watchLatency(debounceMs: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-watch-'));
  const bare = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-bare-'));
  const child = spawn('node', [bin, '--repo', dir, 'reconcile', '--no-listen'], { env: { ...env, FLOWC_DEBOUNCE_MS: debounceMs }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await tenant(dir);
    await tenant(bare);
    const { text } = await baseFlow();
    await mkdir(path.join(dir, '.git/refs/tags'), { recursive: true });
    const known = new Set<string>();
    // The first pass commits the tenant-level files; wait for it.
    let first = nextTag(dir, known);
    await first.done;
    first.close();
    const flowc: number[] = [];
    const bareRuns: number[] = [];
    const { compileFlow } = (await import(path.join(install, 'dist/codegen/compile.js'))) as typeof import('../src/codegen/compile.js');
    for (let i = 0; i < nDrops; i++) {
      const content = variant(text, i);
      const tag = nextTag(dir, known);
      const t0 = process.hrtime.bigint();
      await writeFile(path.join(dir, `flows/drop${i}.json`), content);
      await tag.done;
      flowc.push(ms(t0));
      tag.close();
      // The same files, committed and tagged by hand.
      const files = compileFlow(content, { file: `flows/drop${i}.json`, slug: 'bench' }).files;
      await writeFile(path.join(bare, `flows/drop${i}.json`), content);
      for (const f of files) {
        await mkdir(path.dirname(path.join(bare, f.path)), { recursive: true });
        await writeFile(path.join(bare, f.path), f.content);
      }
      const paths = [`flows/drop${i}.json`, ...files.map((f) => f.path)].join(' ');
      bareRuns.push(await timed('sh', ['-c', `git add ${paths} && git commit -q -m "drop ${i}" && git tag -a -m "drop ${i}" t${i}`], bare));
    }
    const p50 = pct(flowc, 0.5);
    const p95 = pct(flowc, 0.95);
    const b50 = pct(bareRuns, 0.5);
    const b95 = pct(bareRuns, 0.95);
    console.log(`(b) watch mode, drop → commit + tag over ${nDrops} drops (debounce ${debounceMs} ms, validate ${env.FLOWC_VALIDATE})`);
    console.log(`    flowc p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; bare git add+commit+tag p50 ${b50.toFixed(0)} ms, p95 ${b95.toFixed(0)} ms; ratio p50 ${(p50 / b50).toFixed(1)}, p95 ${(p95 / b95).toFixed(1)}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    await rm(dir, { recursive: true, force: true });
    await rm(bare, { recursive: true, force: true });
  }
}

await noDrift();
// With the default debounce window (the time a writer gets to finish a file), then with a tiny one
// to show what the build itself costs next to plain git.
if (nDrops > 0) {
  await watchLatency(process.env.FLOWC_DEBOUNCE_MS ?? '200');
  await watchLatency('20');
}
