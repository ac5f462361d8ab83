/**
 * flowc's HTTP listener (watch mode): the `flow.saved` webhook plus the read-only probes
 * `/healthz`, `/readyz`, `/status` and `/metrics`. Everything it needs comes in as `deps`, so tests
 * start it with fakes and the reconciler starts it with the real loop. Replies are small JSON;
 * refusals say what the sender did wrong and nothing about the inside of flowc.
 */
import { createUi, type UiDeps } from './ui.js';
import { createPushHandler } from './push.js';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { FlowcError } from '../errors.js';
import { log } from '../log.js';
import { createVerifier, ReplayGuard, type WebhookAuth } from './auth.js';
import { createMetrics, setFlowStates, type FlowcMetrics } from './metrics.js';
import { createFlowSavedHandler, type Admission, type HookLimits, type Reply } from './webhook.js';

export interface HttpLimits extends HookLimits {
  /** Whole header block must arrive within this (slow-loris). */
  headersTimeoutMs: number;
  /** Whole request must arrive within this (Node's own 408). */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxBodyBytes: 3 * 1024 * 1024,
  bodyTimeoutMs: 15_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxInFlight: 256,
  maxFlowIdLength: 128,
};

export interface HttpDeps {
  /** `host:port`; port 0 picks a free one (tests). */
  listen: string;
  /** Absolute path of the tenant's `flows/`. */
  flowsDir: string;
  /** Wake the reconcile loop for this flow. Must return at once. */
  poke(flowId: string): void;
  /** The same value as `flowc status --json`. */
  status(): unknown;
  ready(): Promise<{ ok: boolean; reasons: string[] }>;
  auth: WebhookAuth;
  /** Either the metrics object the reconciler updates, or the registry to create them on. */
  metrics?: FlowcMetrics;
  registry?: Registry;
  /** 503 while the reconciler is suspended or its queue is full. */
  admit?: () => Admission;
  /** flowc.yaml `secrets`: `refuse` also refuses a flow holding a literal secret at the door. */
  secrets?: 'refuse' | 'scrub';
  limits?: Partial<HttpLimits>;
  /** Where delivered webhook ids are kept across restarts (ReplayGuard); in memory only without. */
  replayFile?: string;
  /** `POST /hooks/push`: FLOWC_PUSH_SECRET, the tenant branch, and how to ask for a fetch-and-converge. */
  push?: { secret: string | undefined; branch: string; pull(): void };
  /** The status page (`/ui`, ui.ts). */
  ui?: UiDeps;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const { host, port } = parseListen(deps.listen);
  const metrics = deps.metrics ?? createMetrics(deps.registry);
  const verifier = createVerifier(deps.auth);
  const httpLog = log.child({ component: 'http' });
  if (verifier.required.size === 0) httpLog.warn('no BLD_KEY or FLOWC_WEBHOOK_SECRET set: every webhook delivery will be refused');
  const hook = createFlowSavedHandler({
    flowsDir: path.resolve(deps.flowsDir),
    poke: deps.poke,
    admit: deps.admit,
    verifier,
    replay: new ReplayGuard(deps.auth.toleranceSeconds ?? 300, 100_000, deps.replayFile),
    limits,
    secrets: deps.secrets,
  });

  const ui = deps.ui && createUi(deps.ui);
  const pushHook = deps.push && createPushHandler({ ...deps.push, maxBodyBytes: limits.maxBodyBytes, bodyTimeoutMs: limits.bodyTimeoutMs });

  const routes: Record<string, { method: string; run(req: IncomingMessage): Promise<Reply | Raw> }> = {
    '/hooks/flow.saved': { method: 'POST', run: (req) => hook.handle(req) },
    '/hooks/push': {
      method: 'POST',
      run: (req) => (pushHook ? pushHook.handle(req) : Promise.resolve({ code: 404, body: { error: 'push webhooks are not served here' } })),
    },
    '/healthz': { method: 'GET', run: async () => ({ code: 200, body: { ok: true } }) },
    '/readyz': {
      method: 'GET',
      run: async () => {
        const r = await deps.ready();
        return { code: r.ok ? 200 : 503, body: { ok: r.ok, reasons: r.reasons } };
      },
    },
    '/status': { method: 'GET', run: async () => ({ code: 200, body: deps.status() }) },
    '/metrics': {
      method: 'GET',
      run: async () => {
        countFlowStates(metrics, deps.status());
        return { raw: await metrics.registry.metrics(), contentType: metrics.registry.contentType };
      },
    },
  };

  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let them slip).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const pathname = safePathname(req.url);
      if (ui && pathname !== undefined && (pathname === '/ui' || pathname.startsWith('/ui/'))) {
        void ui.handle(req, res, pathname).catch((err: unknown) => {
          httpLog.error({ path: pathname, err: (err as Error)?.message }, 'request failed');
          if (!res.headersSent) res.writeHead(500).end();
        });
        return;
      }
      const route = pathname === undefined ? undefined : routes[pathname];
      const isHook = pathname === '/hooks/flow.saved';
      const done = (reply: Reply | Raw) => {
        if (isHook && 'code' in reply) {
          metrics.webhookRequests.inc({ code: String(reply.code) });
          // Who was refused and why (never the body); accepted deliveries at debug.
          const detail = { code: reply.code, remote: req.socket.remoteAddress, ...(reply.body as object) };
          if (reply.code >= 400 && reply.code !== 429) httpLog.info(detail, 'webhook delivery refused');
          else httpLog.debug(detail, 'webhook delivery accepted');
        }
        send(req, res, reply);
      };
      if (!route) return done({ code: 404, body: { error: 'not found' }, close: true });
      if (req.method !== route.method) return done({ code: 405, body: { error: 'method not allowed' }, headers: { allow: route.method }, close: true });
      route.run(req).then(done, (err: unknown) => {
        httpLog.error({ path: pathname, err: (err as Error)?.message }, 'request failed');
        done({ code: 500, body: { error: 'internal error' } });
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed or timed-out requests: Node has no response for us to write to; answer plainly.
    const code = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    }
    (socket as Socket).destroySoon();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new FlowcError('config', `cannot listen on ${deps.listen}: ${err.code ?? err.message}`, { where: { field: 'webhook.listen' }, hint: 'pick a free host:port with --listen' })),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  httpLog.info({ url }, 'listening');

  return {
    url,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
      await hook.idle();
    },
  };
}

/** `flowc_flows{state}` is read off the status at scrape time, so it always agrees with /status. */
function countFlowStates(metrics: FlowcMetrics, status: unknown): void {
  const flows = (status as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(flows)) return;
  const counts: Record<string, number> = {};
  for (const f of flows) {
    const state = (f as { status?: unknown; state?: unknown } | null)?.status ?? (f as { state?: unknown } | null)?.state;
    if (typeof state === 'string') counts[state] = (counts[state] ?? 0) + 1;
  }
  setFlowStates(metrics, counts);
}

interface Raw {
  raw: string;
  contentType: string;
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply | Raw): void {
  if (res.headersSent) return;
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  if ('raw' in reply) {
    res.writeHead(200, { 'content-type': reply.contentType });
    res.end(reply.raw);
    return;
  }
  const body = JSON.stringify(reply.body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
  };
  // Unread request bytes would be parsed as the next request: close instead.
  if (reply.close && !req.complete) headers.connection = 'close';
  res.writeHead(reply.code, headers);
  res.end(body);
}

function safePathname(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://flowc.invalid').pathname;
  } catch {
    return undefined;
  }
}

/** `host:port`, `:port`, `[::1]:port`. */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new FlowcError('config', `listen address "${listen}" is not host:port`, { where: { field: 'webhook.listen' }, hint: 'e.g. 127.0.0.1:8081' });
  }
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
