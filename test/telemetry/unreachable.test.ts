/**
 * A collector that is down (connection refused) or that accepts and never answers must not fail a
 * build nor hold it past the exporter timeout: the run finishes its work, the export gives up on its
 * own timeout (logged once per target, as a warning), and the process exits 0 on its own.
 */
import net from 'node:net';
import test from 'ava';
import { distUrl, logLines, runNode } from './child.js';

/** Accepts connections and never writes a byte. */
async function blackHole(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    connections: () => count,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

/** A loopback port nobody listens on (bound, then released). */
async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/v1/traces`;
}

const script = `
const t = await import(${JSON.stringify(distUrl('telemetry/tracing.js'))});
await t.startTelemetry({ phoenix: process.env.PHOENIX, jaeger: process.env.JAEGER, projectName: 'acme' }, {});
const built = await t.inSpan('reconcile', { tenant: 'acme' }, () =>
  t.inSpan('codegen.chat', { 'flow.id': 'chat' }, async () => 'built'));
console.log(built);
`;

test('a silent and a refusing collector: the build succeeds and the export gives up by its timeout', async (t) => {
  const hole = await blackHole();
  t.teardown(hole.close);
  const refused = await refusedUrl();

  const r = await runNode(['--input-type=module', '-e', script], {
    PHOENIX: hole.url,
    JAEGER: refused,
    // Long enough that a loaded machine still sees the refusal before the deadline.
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1500',
  });

  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'built');
  t.true(hole.connections() >= 1, 'the export reached the silent collector');
  const warnings = logLines(r.stderr).filter((l) => l.level === 'warn');
  const byTarget = new Map(warnings.map((w) => [w.target, String(w.err)] as const));
  t.regex(byTarget.get('phoenix') ?? '', /timed out/i, 'the silent collector was given up on by the timeout');
  t.regex(byTarget.get('jaeger') ?? '', /ECONNREFUSED/);
  t.is(warnings.length, 2, 'one warning per target, not one per span');
});
