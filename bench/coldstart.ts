/**
 * Cold start of `flowc reconcile --once` with and without telemetry, on a converged tenant repo (the
 * common no-drift pass of every hook and resync). "With" points telemetry.phoenix at a loopback
 * OTLP receiver that answers 200, so the cost measured is loading OpenTelemetry and exporting, not
 * a network. Prints the medians and their ratio.
 *
 *   npm run -s build && npx tsx bench/coldstart.ts [runs=15]
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/flowc.js');
const runs = Number(process.argv[2] ?? 15);

// LangFlow's own "Basic Prompting" starter when the shared fixtures are there, else the reconciler
// tests' hand-written chat flow (both ChatInput → Prompt → model → ChatOutput).
const starter = path.resolve(root, '../shared/fixtures/langflow/1.10/Basic Prompting.json');
const FLOW = readFileSync(existsSync(starter) ? starter : path.join(root, 'test/fixtures/reconcile/chat.json'));

function flowc(args: string[], cwd: string, env: Record<string, string>): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ ms, code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  let spans = 0;
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => {
      spans++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const collector = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-'));
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'tenant/bench');
    git('config', 'user.email', 'bench@flowc.invalid');
    git('config', 'user.name', 'bench');
    await writeFile(path.join(dir, 'flowc.yaml'), 'slug: bench\nstack_port: 4101\nvalidate: none\n');
    await mkdir(path.join(dir, 'flows'));
    await writeFile(path.join(dir, 'flows/bench-flow.json'), FLOW);
    git('add', '-A');
    git('commit', '-qm', 'bench repo');

    // Converge once (this pass builds); every measured pass after it is the no-drift fast path.
    const quiet = { FLOWC_LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'false' };
    const first = await flowc(['reconcile', '--once'], dir, quiet);
    if (first.code !== 0) throw new Error(`the first reconcile failed (exit ${first.code}):\n${first.stdout}${first.stderr}`);

    const off: number[] = [];
    const on: number[] = [];
    await flowc(['reconcile', '--once'], dir, quiet); // warm the file cache
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift in machine load hits both sides alike.
      const a = await flowc(['reconcile', '--once'], dir, quiet);
      const b = await flowc(['reconcile', '--once'], dir, { ...quiet, FLOWC_TELEMETRY_PHOENIX: collector });
      if (a.code !== 0 || b.code !== 0) throw new Error(`a measured pass failed:\n${a.stderr}${b.stderr}`);
      off.push(a.ms);
      on.push(b.ms);
    }
    if (spans === 0) throw new Error('the telemetry runs exported nothing: the "with" side measured no tracing');
    const mOff = median(off);
    const mOn = median(on);
    console.log(`flowc reconcile --once (no drift), median of ${runs}:`);
    console.log(`  without telemetry  ${mOff.toFixed(0)} ms`);
    console.log(`  with telemetry     ${mOn.toFixed(0)} ms  (OTLP/protobuf to a loopback collector, ${spans} export requests)`);
    console.log(`  ratio with/without ${(mOn / mOff).toFixed(2)}  (+${(mOn - mOff).toFixed(0)} ms)`);
  } finally {
    receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
