/**
 * Webhook throughput on loopback: signed `POST /hooks/flow.saved` deliveries (each with its own
 * webhook-id and a changed flow, so every one is verified, validated, scanned and written with an
 * fsync'd atomic rename), against `GET /healthz` on the same server as the baseline. The server
 * runs in a child process so the load generator (autocannon) does not share its event loop.
 * A third run re-sends unchanged content (202 "unchanged": everything but the write), which shows
 * what the fsync costs. Prints req/s, p50/p99 latency and the ratio to the baseline; asserts nothing.
 *
 *   npx tsx bench/webhook.ts [seconds=5] [connections=16] [flows=20]
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const [seconds, connections, flowCount] = [Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 16), Number(process.argv[4] ?? 20)];

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface Result {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;

/** Child mode: serve until stdin closes. */
async function serve(flowsDir: string): Promise<void> {
  const { startHttpServer } = await import('../src/http/server.js');
  const server = await startHttpServer({
    listen: '127.0.0.1:0',
    flowsDir,
    poke: () => undefined,
    status: () => ({}),
    ready: async () => ({ ok: true, reasons: [] }),
    auth: { apiKey: process.env.BLD_KEY, secrets: [process.env.FLOWC_WEBHOOK_SECRET] },
    limits: { maxInFlight: 4096 },
  });
  process.stdout.write(`${server.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

function flowBody(id: string, n: number): string {
  const node = (nid: string, type: string, template: Record<string, unknown>) => ({
    id: nid,
    type: 'genericNode',
    data: { id: nid, type, node: { display_name: type, template: { _type: 'Component', ...template }, outputs: [] } },
  });
  // A starter-size prompt (~4 KB) so the body is not trivially small.
  const text = `Revision ${n}. ` + 'Answer the question using the context. '.repeat(100) + '{question}';
  return JSON.stringify({ id, name: `Bench ${id}`, data: { nodes: [node('Prompt-a1', 'Prompt', { template: { type: 'prompt', value: text } })], edges: [] } });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-bench-webhook-'));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const apiKey = randomBytes(16).toString('hex');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const child = spawn(process.execPath, ['--import', 'tsx', here, '--serve', path.join(dir, 'flows')], {
    env: { ...process.env, BLD_KEY: apiKey, FLOWC_WEBHOOK_SECRET: secret, FLOWC_LOG_LEVEL: 'error' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
    const base = { url, connections, duration: seconds };

    const healthz = await autocannon({ ...base, requests: [{ method: 'GET', path: '/healthz' }] });
    let n = 0;
    const deliveries = (changed: boolean) => ({
      ...base,
      requests: [
        {
          method: 'POST',
          path: '/hooks/flow.saved',
          setupRequest: (req: Record<string, unknown>) => {
            n++;
            const body = changed ? flowBody(`bench-${n % flowCount}`, n) : flowBody(`bench-${n % flowCount}`, n % flowCount);
            const id = `msg_${n}_${process.pid}`;
            const ts = Math.floor(Date.now() / 1000);
            const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
            return {
              ...req,
              body,
              headers: {
                'content-type': 'application/json',
                'x-api-key': apiKey,
                'webhook-id': id,
                'webhook-timestamp': String(ts),
                'webhook-signature': `v1,${sig}`,
              },
            };
          },
        },
      ],
    });
    const signed = await autocannon(deliveries(true));
    const unchanged = await autocannon(deliveries(false));
    const line = (name: string, r: Result) =>
      `${name.padEnd(26)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors + r.timeouts}`;
    console.log(`webhook bench: ${seconds} s each, ${connections} connections, loopback, ${flowCount} flows, node ${process.version}, ${os.cpus().length} cpus`);
    console.log(line('GET /healthz (baseline)', healthz));
    console.log(line('signed POST flow.saved', signed));
    console.log(line('signed, content unchanged', unchanged));
    console.log(`signed deliveries: ${(signed.requests.average / healthz.requests.average).toFixed(3)}× the baseline rate, p99 ${(signed.latency.p99 / Math.max(1, healthz.latency.p99)).toFixed(1)}× its p99`);
  } finally {
    child.stdin.end();
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r).once('error', r));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') void serve(process.argv[3]!);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
