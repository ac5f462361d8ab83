/**
 * With no exporter configured, no OpenTelemetry module is loaded at all (a plain `--once` must not
 * pay its start-up cost). The probe hook records every @opentelemetry module a process resolves;
 * the control run (an exporter configured) shows the probe does see them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { distUrl, runNode } from './child.js';

const script = `
const t = await import(${JSON.stringify(distUrl('telemetry/tracing.js'))});
const on = await t.startTelemetry({ phoenix: process.env.TARGET, serviceName: 'flowc', projectName: 'acme' }, {});
const out = await t.inSpan('reconcile', { tenant: 'acme' }, async (span) => (span.traceparent() ?? 'none'));
console.log(JSON.stringify({ on, out }));
`;

async function probe(env: Record<string, string>): Promise<{ result: { on: boolean; out: string }; loaded: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-probe-'));
  try {
    const file = path.join(dir, 'loaded.txt');
    const r = await runNode(['--input-type=module', '-e', script], { OTEL_PROBE_FILE: file, ...env }, { probe: true });
    if (r.code !== 0) throw new Error(`child failed (${r.code}):\n${r.stderr}`);
    const loaded = await readFile(file, 'utf8').then((s) => s.split('\n').filter(Boolean), () => []);
    return { result: JSON.parse(r.stdout.trim()), loaded };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('no exporter configured: no OpenTelemetry module is loaded, spans are no-ops', async (t) => {
  const { result, loaded } = await probe({});
  t.deepEqual(result, { on: false, out: 'none' });
  t.deepEqual(loaded, []);
});

test('OTEL_SDK_DISABLED wins over a configured target', async (t) => {
  const { result, loaded } = await probe({ TARGET: 'http://127.0.0.1:9/v1/traces', OTEL_SDK_DISABLED: 'true' });
  t.false(result.on);
  t.deepEqual(loaded, []);
});

test('control: with an exporter configured the probe sees OpenTelemetry load', async (t) => {
  // Port 9 (discard) refuses on loopback; the export fails quietly within the timeout.
  const { result, loaded } = await probe({ TARGET: 'http://127.0.0.1:9/v1/traces', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '200' });
  t.true(result.on);
  t.regex(result.out, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.true(loaded.some((l) => l.includes('/@opentelemetry/sdk-trace-node/')));
  t.true(loaded.some((l) => l.includes('/@opentelemetry/exporter-trace-otlp-proto/')));
});
