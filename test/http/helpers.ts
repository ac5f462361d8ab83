/**
 * A webhook server on 127.0.0.1:0 over a temp tenant dir, with a recording poke; a Standard
 * Webhooks signer written with node:crypto alone (independent of the `standardwebhooks` package);
 * a tiny HTTP client that can send what fetch will not (odd bodies, slow bodies, raw sockets).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, type HttpDeps, type HttpServer } from '../../src/http/server.js';
import { createMetrics, type FlowcMetrics } from '../../src/http/metrics.js';

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** `v1,<base64 HMAC-SHA256(key, id.ts.body)>`, key = base64-decoded secret without `whsec_`. */
export function signVector(secret: string, id: string, timestamp: number | string, body: string | Buffer): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function signedHeaders(secret: string, body: string | Buffer, opts: { id?: string; timestamp?: number } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${randomUUID()}`;
  const ts = opts.timestamp ?? nowSeconds();
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signVector(secret, id, ts, body) };
}

/** A small LangFlow export the compiler's schema accepts; `text` varies its content. */
export function miniFlow(id: string, text = 'Answer: {question}'): Record<string, unknown> {
  const node = (nid: string, type: string, template: Record<string, unknown>) => ({
    id: nid,
    type: 'genericNode',
    position: { x: 0, y: 0 },
    data: { id: nid, type, node: { display_name: type, template: { _type: 'Component', ...template }, outputs: [] } },
  });
  return {
    id,
    name: `Flow ${id}`,
    data: { nodes: [node('Prompt-a1', 'Prompt', { template: { type: 'prompt', value: text } })], edges: [] },
  };
}

export interface TestServer extends HttpServer {
  root: string;
  flowsDir: string;
  pokes: string[];
  metrics: FlowcMetrics;
  /** Every file under root, relative, sorted. */
  tree(): string[];
  cleanup(): Promise<void>;
}

export async function startTestServer(overrides: Partial<HttpDeps> = {}): Promise<TestServer> {
  const root = mkdtempSync(path.join(tmpdir(), 'flowc-http-'));
  const flowsDir = path.join(root, 'tenant', 'flows');
  mkdirSync(flowsDir, { recursive: true });
  const pokes: string[] = [];
  const metrics = createMetrics();
  const server = await startHttpServer({
    listen: '127.0.0.1:0',
    flowsDir,
    poke: (id) => pokes.push(id),
    status: () => ({ flows: [] }),
    ready: async () => ({ ok: true, reasons: [] }),
    auth: {},
    metrics,
    ...overrides,
  }).catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  return {
    ...server,
    root,
    flowsDir,
    pokes,
    metrics,
    tree: () => walk(root).map((p) => path.relative(root, p)).sort(),
    cleanup: async () => {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
  });
}

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

/** One request over a fresh connection; resolves with the reply (or rejects on a socket error). */
export function request(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(opts.path ?? '/', url),
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** POST a flow to the hook. */
export function deliver(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return request(url, {
    method: 'POST',
    path: '/hooks/flow.saved',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    body,
  });
}
