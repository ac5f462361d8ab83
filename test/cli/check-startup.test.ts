/**
 * `flowc reconcile --once --check` is the pre-commit hook, so on an in-sync repo it loads only what
 * it needs: no compiler, no liquidjs, no logger (pino), nothing of watch mode, HTTP, Python, reload or telemetry (its
 * cost is process start-up, mostly module loading; bench/check.ts measures it). A load probe
 * records every module the process loads; the drift controls show the probe sees those modules
 * when they are needed. Both ways of running the CLI are probed: bin/flowc.js (the bundle of
 * scripts/bundle.mjs, whose chunks hide flowc's own modules but import the heavy packages from
 * node_modules as ever) and the compiled dist/ modules themselves.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

const probe = path.join(repoRoot, 'test/cli/probe/load-probe.mjs');
const bin = path.join(repoRoot, 'bin/flowc.js');
/** Runs dist/main.js unbundled, so the probe sees flowc's own modules one by one. */
const unbundled = ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(new URL('../../dist/main.js', import.meta.url).href)}); main(process.argv.slice(1));`];

interface Probed {
  code: number | null;
  stdout: string;
  stderr: string;
  /** npm packages loaded (`liquidjs`, `@opentelemetry/api`, …). */
  packages: Set<string>;
  /** flowc's own modules loaded, relative to dist/ (`reconcile/desired.js`, …; none from the bundle). */
  own: Set<string>;
  /** Ran dist/bundle/. */
  bundle: boolean;
}

function probed(args: string[], entry: 'bin' | 'dist' = 'bin'): Promise<Probed> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-probe-'));
  const file = path.join(dir, 'loaded.txt');
  return new Promise<Probed>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', probe, ...(entry === 'bin' ? [bin] : [...unbundled, '--']), ...args], {
      env: { ...process.env, LOAD_PROBE_FILE: file, FLOWC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      const packages = new Set<string>();
      const own = new Set<string>();
      let bundle = false;
      for (const line of lines) {
        if (line.includes('/dist/bundle/')) {
          bundle = true;
          continue;
        }
        const [kind, what] = [line.slice(0, 3), line.slice(4)];
        const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(what);
        if (inModules) packages.add(inModules[1]!);
        else if (kind === 'esm' && what.includes('/dist/')) own.add(what.slice(what.lastIndexOf('/dist/') + 6));
        else if (kind === 'cjs' && !/^[./]|^node:/.test(what) && !builtinModules.includes(what)) packages.add(what.split('/').slice(0, what.startsWith('@') ? 2 : 1).join('/'));
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, packages, own, bundle });
    });
  });
}

const HEAVY = ['liquidjs', 'p-queue', 'got', 'prom-client', 'standardwebhooks', 'write-file-atomic', 'pino'];
// langflow/depth.js is allowed: a dependency-free scan the secret guard shares with the parser.
const UNNEEDED = [/^codegen\/compile\.js$/, /^codegen\/nodes\//, /^langflow\/(?!depth\.js$)/, /^http\//, /^python\//, /^langserve\//, /^reconcile\/reconciler\.js$/, /^telemetry\/otel\.js$/];

async function converged(t: { teardown(fn: () => unknown): void }) {
  const r = await tenantRepo({ remote: false, config: 'validate: none\n' });
  t.teardown(() => r.cleanup());
  r.write('flows/support.json', chatFlow());
  const built = await flowc(['--repo', r.dir, 'reconcile', '--once', '--no-listen']);
  if (built.code !== 0) throw new Error(`setup reconcile failed:\n${built.stdout}${built.stderr}`);
  return r;
}

test('in sync: --check loads no compiler, no liquidjs, no watch/HTTP/Python/telemetry module', async (t) => {
  const r = await converged(t);
  for (const entry of ['bin', 'dist'] as const) {
    const p = await probed(['--repo', r.dir, 'reconcile', '--once', '--check'], entry);
    t.is(p.code, 0, p.stderr);
    t.regex(p.stdout, /in sync/);
    // The probe sees what the command does load (else the absences below would prove nothing;
    // the controls below show it sees packages too).
    t.true(entry === 'bin' ? p.bundle : p.own.has('reconcile/desired.js'), entry);
    for (const pkg of HEAVY) t.false(p.packages.has(pkg), `${entry}: ${pkg} loaded`);
    t.deepEqual([...p.packages].filter((x) => x.startsWith('@opentelemetry/')), [], entry);
    if (entry === 'dist') {
      t.deepEqual([...p.own].filter((m) => UNNEEDED.some((re) => re.test(m))), []);
    }
  }
});

test('control: a changed flow or a hand-edited host makes --check load the compiler and liquidjs', async (t) => {
  const r = await converged(t);
  r.write('flows/support.json', chatFlow({ temperature: 0.9 }));
  for (const entry of ['bin', 'dist'] as const) {
    const flow = await probed(['--repo', r.dir, 'reconcile', '--once', '--check'], entry);
    t.is(flow.code, 1, flow.stderr);
    t.regex(flow.stdout, /drift +update +support:/);
    t.true(flow.packages.has('liquidjs'), entry);
    if (entry === 'dist') t.true(flow.own.has('codegen/compile.js'));
  }

  await r.git('checkout', '--', 'flows/support.json');
  r.write('app/server.py', `${r.read('app/server.py')}# hand edit\n`);
  const host = await probed(['--repo', r.dir, 'reconcile', '--once', '--check']);
  t.is(host.code, 1, host.stderr);
  t.regex(host.stdout, /drift +hand-edited +flowc\.yaml: app\/server\.py/);
  t.true(host.packages.has('liquidjs'), 'the host is rendered to compare');
});

test('bin/flowc.js runs the bundle when it is current, dist/ when a bare tsc made dist/ newer', async (t) => {
  const r = await converged(t);
  const p = await probed(['--repo', r.dir, 'reconcile', '--once', '--check']);
  const bundled = existsSync(path.join(repoRoot, 'dist/bundle/main.js')) && statSync(path.join(repoRoot, 'dist/bundle/main.js')).mtimeMs >= statSync(path.join(repoRoot, 'dist/main.js')).mtimeMs;
  t.is(p.bundle, bundled, 'the launcher picked the entry its rule says');
  t.is(p.own.size > 0, !bundled);
});
