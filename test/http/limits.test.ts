/**
 * Acceptance 3: oversized bodies get 413, slow bodies and slow headers time out, and the server
 * keeps serving everyone else throughout. Timeouts are set small here; nothing asserts on time.
 */
import test from 'ava';
import net from 'node:net';
import http from 'node:http';
import { deliver, miniFlow, request, startTestServer, type TestServer } from './helpers.js';
import { runPython } from '../helpers/python.js';

const apiKey = 'limits-test-key';
let server: TestServer;
test.before(async () => {
  server = await startTestServer({
    auth: { apiKey },
    limits: { maxBodyBytes: 64 * 1024, bodyTimeoutMs: 300, headersTimeoutMs: 400, requestTimeoutMs: 5_000 },
  });
});
test.after.always(() => server?.cleanup());

/** Write `chunks` on a raw connection (a function chunk = pause), return everything the server sent until it closed. */
function raw(url: string, chunks: Array<string | Buffer | number>): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => undefined); // a reset after the reply is fine
    socket.on('close', () => resolve(got));
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) break;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else socket.write(c);
      }
      socket.end();
    });
  });
}

const stillServing = async (t: { is(a: unknown, b: unknown, m?: string): void }, what: string) => {
  t.is((await request(server.url, { path: '/healthz' })).status, 200, `healthz after ${what}`);
  const body = JSON.stringify(miniFlow(`after-${what.replace(/\W+/g, '-')}`));
  t.is((await deliver(server.url, body, { 'x-api-key': apiKey })).status, 202, `delivery after ${what}`);
};

const head = (len: number | 'chunked') =>
  `POST /hooks/flow.saved HTTP/1.1\r\nhost: x\r\nx-api-key: ${apiKey}\r\ncontent-type: application/json\r\n` +
  (len === 'chunked' ? 'transfer-encoding: chunked\r\n' : `content-length: ${len}\r\n`) +
  '\r\n';

test.serial('a declared Content-Length over the cap is refused with 413 before the body is read', async (t) => {
  const reply = await raw(server.url, [head(10 * 1024 * 1024), 'x'.repeat(1024), 2000]);
  t.regex(reply, /^HTTP\/1\.1 413 /);
  await stillServing(t, 'declared oversize');
});

test.serial('a chunked body that grows past the cap is refused with 413', async (t) => {
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  const reply = await raw(server.url, [head('chunked'), ...Array(8).fill(frame), 2000]);
  t.regex(reply, /^HTTP\/1\.1 413 /);
  t.notRegex(reply, /RangeError|at \w+ \(/);
  await stillServing(t, 'chunked oversize');
});

test.serial('the default cap is 3 MiB: 3 MiB + 1 byte is refused through a normal client', async (t) => {
  const s = await startTestServer({ auth: { apiKey } });
  t.teardown(() => s.cleanup());
  const big = Buffer.alloc(3 * 1024 * 1024 + 1, 0x20);
  const res = await new Promise<number>((resolve, reject) => {
    const req = http.request(`${s.url}/hooks/flow.saved`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-length': big.length }, agent: false }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(big);
  });
  t.is(res, 413);
  t.deepEqual(s.tree().filter((p) => p.endsWith('.json')), []);
});

test.serial('issue 14 #16: a client that sends the whole oversized body before reading (urllib) reads the 413, not a broken pipe', async (t) => {
  const s = await startTestServer({ auth: { apiKey } });
  t.teardown(() => s.cleanup());
  // Python's urllib writes the whole body, then reads the reply: it sees a closed connection as an
  // error (BrokenPipe/ConnectionReset) unless the server swallows the rest of the body first.
  const script = `
import sys, urllib.error, urllib.request
body = b" " * (20 * 1024 * 1024)
request = urllib.request.Request(sys.argv[1], data=body, method="POST", headers={"x-api-key": sys.argv[2]})
try:
    urllib.request.urlopen(request, timeout=30)
    print("no error")
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print(type(e).__name__)
`;
  const run = await runPython(['-c', script, `${s.url}/hooks/flow.saved`, apiKey]);
  t.is(run.stdout.trim(), '413', run.stderr);
});

test.serial('a body that trickles in too slowly gets 408 and nothing is written', async (t) => {
  const before = server.tree();
  const reply = await raw(server.url, [head(1000), '{"id": "slow", ', 5000]);
  t.regex(reply, /^HTTP\/1\.1 408 /);
  t.deepEqual(server.tree(), before);
  await stillServing(t, 'slow body');
});

test.serial('headers that never finish (slow-loris) time out; the server keeps serving', async (t) => {
  const reply = await raw(server.url, ['POST /hooks/flow.saved HTTP/1.1\r\nhost: x\r\n', 200, 'x-slow: 1\r\n', 5000]);
  t.true(reply === '' || /^HTTP\/1\.1 408 /.test(reply), JSON.stringify(reply.slice(0, 40)));
  await stillServing(t, 'slow headers');
});

test.serial('while 20 slow senders hold connections, a normal delivery still goes through', async (t) => {
  const slow = Array.from({ length: 20 }, () => raw(server.url, [head(1000), '{', 5000]));
  await new Promise((r) => setTimeout(r, 50));
  await stillServing(t, 'many slow senders');
  const replies = await Promise.all(slow);
  for (const r of replies) t.regex(r, /^HTTP\/1\.1 408 /);
});

test.serial('oversized headers get 431 and the server keeps serving', async (t) => {
  const reply = await raw(server.url, [`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 2000]);
  t.regex(reply, /^HTTP\/1\.1 431 /);
  await stillServing(t, 'oversized headers');
});
