/**
 * reloadHost against a local HTTP server standing in for the LangServe host: headers, retry of
 * POST with backoff, what is transient and what is terminal, and that the token never leaks.
 * (The real host under uvicorn is exercised in test/e2e/host*.test.ts.)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import fc from 'fast-check';
import { FlowcError } from '../../src/errors.js';
import { backoffDelay, reloadHost } from '../../src/langserve/reload.js';

const TOKEN = 'tok-3f9a1c77-never-print-me';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

async function fakeHost(answer: (n: number) => { status: number; body: unknown }, port = 0): Promise<{ url: string; seen: Seen[]; server: Server; port: number }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => {
      const { status, body } = answer(seen.length - 1);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${bound}`, seen, server, port: bound };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const fast = { backoffMs: 5, maxBackoffMs: 20 };

test('POSTs /restart with bearer token, expected commit and traceparent; returns the generation', async (t) => {
  const host = await fakeHost(() => ({ status: 200, body: { generation: 7, routes: [{ path: '/hello', flow_id: 'hello' }], commit: 'abc' } }));
  t.teardown(() => close(host.server));
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const result = await reloadHost({ url: `${host.url}/`, token: TOKEN, expectedCommit: 'abc', traceparent });
  t.deepEqual(result, { generation: 7, routes: [{ path: '/hello', flow_id: 'hello' }], commit: 'abc' });
  t.is(host.seen.length, 1);
  const [req] = host.seen;
  t.is(req!.method, 'POST');
  t.is(req!.url, '/restart');
  t.is(req!.headers.authorization, `Bearer ${TOKEN}`);
  t.is(req!.headers['x-expected-commit'], 'abc');
  t.is(req!.headers.traceparent, traceparent);
});

test('retries POST on 503 with backoff, then succeeds', async (t) => {
  const host = await fakeHost((n) => (n < 2 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: { generation: 2 } }));
  t.teardown(() => close(host.server));
  const retries: string[] = [];
  const result = await reloadHost({ url: host.url, token: TOKEN, ...fast, onRetry: (n, why) => void retries.push(`${n}:${why}`) });
  t.is(result.generation, 2);
  t.is(host.seen.length, 3);
  t.true(host.seen.every((s) => s.method === 'POST'));
  t.deepEqual(retries, ['1:HTTP 503', '2:HTTP 503']);
});

test('host down, then back: retried with backoff until it answers', async (t) => {
  // Find a free port, then leave it closed: the first attempts are refused.
  const probe = await fakeHost(() => ({ status: 500, body: {} }));
  const port = probe.port;
  await close(probe.server);
  let back: Awaited<ReturnType<typeof fakeHost>> | undefined;
  t.teardown(async () => back && (await close(back.server)));
  const reasons: string[] = [];
  const result = await reloadHost({
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    retries: 6,
    ...fast,
    onRetry: async (n, why) => {
      reasons.push(why);
      if (n === 2) back = await fakeHost(() => ({ status: 200, body: { generation: 3 } }), port);
    },
  });
  t.is(result.generation, 3);
  t.deepEqual(reasons, ['ECONNREFUSED', 'ECONNREFUSED']);
  t.is(back!.seen.length, 1);
});

test('unreachable after every retry → transient reload error without the token', async (t) => {
  const probe = await fakeHost(() => ({ status: 500, body: {} }));
  await close(probe.server);
  const err = await t.throwsAsync(reloadHost({ url: probe.url, token: TOKEN, retries: 2, ...fast }), { instanceOf: FlowcError });
  t.is(err!.kind, 'reload');
  t.true(err!.transient);
  t.regex(err!.message, /unreachable.*3 attempt/);
  t.false(JSON.stringify({ ...err!.toJSON(), d: err!.describe(), s: err!.stack }).includes(TOKEN));
});

test('422 → terminal error carrying the host reason and file, not retried', async (t) => {
  const reply = { error: 'app/flows/acme/flow_bad.py: RuntimeError: boom (line 3)', file: 'app/flows/acme/flow_bad.py', generation: 1 };
  const host = await fakeHost(() => ({ status: 422, body: reply }));
  t.teardown(() => close(host.server));
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: TOKEN, ...fast }), { instanceOf: FlowcError });
  t.false(err!.transient);
  t.is(err!.where.file, 'app/flows/acme/flow_bad.py');
  t.regex(err!.message, /RuntimeError: boom/);
  t.is(host.seen.length, 1);
});

test('401 → terminal token error, not retried, token not echoed', async (t) => {
  const host = await fakeHost(() => ({ status: 401, body: { error: 'missing or wrong bearer token' } }));
  t.teardown(() => close(host.server));
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: TOKEN, ...fast }), { instanceOf: FlowcError });
  t.false(err!.transient);
  t.regex(err!.hint ?? '', /LANGSERVE_RESTART_TOKEN/);
  t.is(host.seen.length, 1);
  t.false(`${err!.describe()} ${err!.stack}`.includes(TOKEN));
});

test('a 200 that is not JSON (not a flowc host) → terminal error naming the URL', async (t) => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => close(server));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const err = await t.throwsAsync(reloadHost({ url, token: TOKEN, ...fast }), { instanceOf: FlowcError });
  t.false(err!.transient);
  t.regex(err!.message, /restart answered 200 without the JSON/);
});

test('409 (host checkout behind the commit) is transient and retried', async (t) => {
  const host = await fakeHost(() => ({ status: 409, body: { error: 'checkout behind' } }));
  t.teardown(() => close(host.server));
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: TOKEN, retries: 1, ...fast }), { instanceOf: FlowcError });
  t.true(err!.transient);
  t.is(host.seen.length, 2);
  t.regex(err!.message, /checkout behind/);
});

test('backoff: exponential, capped, jittered within [half, full] of the step', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const step = Math.min(8000, 250 * 2 ** (attempt - 1));
      const d = backoffDelay(attempt, 250, 8000, () => r);
      return d >= step / 2 && d <= step;
    }),
  );
  t.is(backoffDelay(1, 100, 10_000, () => 0), 50);
  t.is(backoffDelay(4, 100, 10_000, () => 0), 400);
  t.is(backoffDelay(20, 100, 10_000, () => 0.999999), 10_000 * 0.5 + 0.999999 * 5000);
});

test.serial('FLOWC_RELOAD_RETRIES / FLOWC_RELOAD_BACKOFF_MS set the default policy', async (t) => {
  const host = await fakeHost(() => ({ status: 503, body: {} }));
  t.teardown(() => close(host.server));
  process.env.FLOWC_RELOAD_RETRIES = '1';
  process.env.FLOWC_RELOAD_BACKOFF_MS = '1';
  t.teardown(() => {
    delete process.env.FLOWC_RELOAD_RETRIES;
    delete process.env.FLOWC_RELOAD_BACKOFF_MS;
  });
  const err = await t.throwsAsync(reloadHost({ url: host.url, token: TOKEN }), { instanceOf: FlowcError });
  t.true(err!.transient);
  t.is(host.seen.length, 2);
});
