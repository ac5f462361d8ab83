/**
 * Spans are not lost when the process ends: flushed when the loop drains (how `--once` ends; only
 * main.ts sets the exit code, nobody calls process.exit) and on SIGTERM, after which the process
 * still dies of the signal. A SIGTERM someone else handles (watch mode) is left to them.
 */
import { spawn } from 'node:child_process';
import test from 'ava';
import { distUrl, repoRoot } from './child.js';
import { startReceiver } from './otlp-receiver.js';

const script = (mode: string) => `
const t = await import(${JSON.stringify(distUrl('telemetry/tracing.js'))});
await t.startTelemetry({ phoenix: process.env.TARGET, projectName: 'acme' }, {});
await t.inSpan('reconcile', { tenant: 'acme' }, async () => {});
if (${JSON.stringify(mode)} === 'own-handler') process.once('SIGTERM', () => { clearInterval(alive); console.log('graceful stop'); });
const alive = ${JSON.stringify(mode)} === 'natural' ? undefined : setInterval(() => {}, 1000);
console.log('ready');
`;

function run(mode: string, target: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script(mode)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, TARGET: target, FLOWC_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  let signalled = false;
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    if (mode !== 'natural' && !signalled && stdout.includes('ready')) signalled = child.kill('SIGTERM');
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout })));
}

test('natural exit flushes the batch', async (t) => {
  const receiver = await startReceiver();
  t.teardown(receiver.close);
  const r = await run('natural', `${receiver.url}/v1/traces`);
  t.is(r.code, 0);
  t.deepEqual(receiver.spans.map((s) => s.name), ['reconcile']);
});

test('SIGTERM flushes, then the process dies of the signal', async (t) => {
  const receiver = await startReceiver();
  t.teardown(receiver.close);
  const r = await run('sigterm', `${receiver.url}/v1/traces`);
  t.is(r.signal, 'SIGTERM');
  t.deepEqual(receiver.spans.map((s) => s.name), ['reconcile']);
});

test('SIGTERM with a graceful-stop handler: the handler runs, spans flush when the loop drains', async (t) => {
  const receiver = await startReceiver();
  t.teardown(receiver.close);
  const r = await run('own-handler', `${receiver.url}/v1/traces`);
  t.is(r.code, 0);
  t.regex(r.stdout, /graceful stop/);
  t.deepEqual(receiver.spans.map((s) => s.name), ['reconcile']);
});
