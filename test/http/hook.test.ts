/**
 * The rest of the webhook contract: body forms, bad bodies (400), literal secrets refused at the
 * door, 429/503, unchanged content, and the probes /healthz /readyz /status /metrics.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { flowWith, keys } from '../guard/keys.js';
import { deliver, miniFlow, request, startTestServer } from './helpers.js';

const apiKey = 'hook-test-key';
const auth = { apiKey };
const h = { 'x-api-key': apiKey };

test('a bare export is stored byte for byte; a {flowId, flow} wrapper is stored pretty-printed', async (t) => {
  const s = await startTestServer({ auth });
  t.teardown(() => s.cleanup());
  const bare = JSON.stringify(miniFlow('bare'));
  t.deepEqual((await deliver(s.url, bare, h)).json, { flowId: 'bare', status: 'queued' });
  t.is(readFileSync(path.join(s.flowsDir, 'bare.json'), 'utf8'), bare);

  const res = await deliver(s.url, JSON.stringify({ flowId: 'wrapped', flow: miniFlow('ignored-inner-id') }), h);
  t.deepEqual(res.json, { flowId: 'wrapped', status: 'queued' });
  t.deepEqual(JSON.parse(readFileSync(path.join(s.flowsDir, 'wrapped.json'), 'utf8')), miniFlow('ignored-inner-id'));
  t.is((await deliver(s.url, JSON.stringify({ flow: miniFlow('inner') }), h)).json.flowId, 'inner');
  t.deepEqual(s.pokes, ['bare', 'wrapped', 'inner']);
});

test('the same content again is "unchanged" and leaves the file untouched', async (t) => {
  const s = await startTestServer({ auth });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('same'));
  t.is((await deliver(s.url, body, h)).json.status, 'queued');
  const ino = (await import('node:fs')).statSync(path.join(s.flowsDir, 'same.json')).ino;
  t.is((await deliver(s.url, body, h)).json.status, 'unchanged');
  t.is((await import('node:fs')).statSync(path.join(s.flowsDir, 'same.json')).ino, ino);
  const changed = JSON.stringify(miniFlow('same', 'new prompt'));
  t.is((await deliver(s.url, changed, h)).json.status, 'queued');
  t.is(readFileSync(path.join(s.flowsDir, 'same.json'), 'utf8'), changed);
});

test('bad bodies are 400 with a reason and write nothing', async (t) => {
  const s = await startTestServer({ auth });
  t.teardown(() => s.cleanup());
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['not JSON', '{"id": "x", ', /not valid JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8/],
    ['an array', '[]', /JSON object/],
    ['no data.nodes', JSON.stringify({ id: 'x', data: {} }), /not a LangFlow export/],
    ['wrapper flow not an object', JSON.stringify({ flowId: 'x', flow: 'text' }), /"flow" must be/],
    ['dangling edge', JSON.stringify({ ...miniFlow('x'), data: { ...(miniFlow('x').data as object), edges: [{ id: 'e1', source: 'Prompt-a1', target: 'Gone-b2' }] } }), /^flows\/x\.json: node Prompt-a1: edge e1/],
  ];
  for (const [name, body, reason] of cases) {
    const res = await deliver(s.url, body, h);
    t.is(res.status, 400, name);
    t.regex(res.json?.error ?? '', reason, name);
  }
  t.deepEqual(s.tree().filter((p) => p.endsWith('.json')), []);
});

test('a literal secret in a secret field or a prompt is refused at the door: 400 naming node, field, rule — never the value', async (t) => {
  const s = await startTestServer({ auth });
  t.teardown(() => s.cleanup());
  const key = keys.openai();
  const inField = JSON.parse(flowWith({ apiKey: 'literal-' + keys.aws() }));
  const inPrompt = JSON.parse(flowWith({ prompt: `use ${key} please` }));
  for (const [flow, node, field, rule] of [
    [inField, 'OpenAIModel-c3', 'api_key', 'aws-access-key-id'],
    [inPrompt, 'Prompt-b2', 'template', 'openai-api-key'],
  ] as const) {
    const res = await deliver(s.url, JSON.stringify(flow), h);
    t.is(res.status, 400);
    t.regex(res.json.findings.join('\n'), new RegExp(`node ${node}, field ${field}: literal secret \\(rule ${rule}\\)`));
    t.false(res.body.includes(key));
  }
  t.deepEqual(s.tree().filter((p) => p.endsWith('.json')), []);
  t.deepEqual(s.pokes, []);
});

test('503 while suspended or the queue is full, with Retry-After; nothing written', async (t) => {
  let admission: { ok: true } | { ok: false; reason: 'suspended' | 'queue_full' } = { ok: false, reason: 'suspended' };
  const s = await startTestServer({ auth, admit: () => admission });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('later'));
  let res = await deliver(s.url, body, h);
  t.is(res.status, 503);
  t.truthy(res.headers['retry-after']);
  t.regex(res.json.error, /suspended/);
  admission = { ok: false, reason: 'queue_full' };
  res = await deliver(s.url, body, h);
  t.is(res.status, 503);
  t.regex(res.json.error, /queue is full/);
  t.deepEqual(s.tree().filter((p) => p.endsWith('.json')), []);
  admission = { ok: true };
  t.is((await deliver(s.url, body, h)).status, 202);
});

test('429 when too many deliveries are in progress', async (t) => {
  const s = await startTestServer({ auth, limits: { maxInFlight: 1, bodyTimeoutMs: 5_000 } });
  t.teardown(() => s.cleanup());
  const { port } = new URL(s.url);
  // One delivery that sends its headers and then holds its body back.
  const holder = net.connect(Number(port), '127.0.0.1');
  holder.on('error', () => undefined);
  holder.write(`POST /hooks/flow.saved HTTP/1.1\r\nhost: x\r\nx-api-key: ${apiKey}\r\ncontent-length: 100\r\n\r\n{`);
  let res;
  for (let i = 0; i < 50; i++) {
    res = await deliver(s.url, JSON.stringify(miniFlow('busy')), h);
    if (res.status === 429) break;
    await new Promise((r) => setTimeout(r, 20)); // until the holder's request is being handled
  }
  t.is(res?.status, 429);
  t.is(res?.headers['retry-after'], '1');
  holder.destroy();
});

test('probes: /healthz, /readyz (200/503 with reasons), /status, /metrics; 404 and 405', async (t) => {
  let ready = { ok: true, reasons: [] as string[] };
  const status = { flows: [{ id: 'a', status: 'Synced' }, { id: 'b', status: 'Synced' }, { id: 'c', status: 'Failed' }] };
  const s = await startTestServer({ auth, ready: async () => ready, status: () => status });
  t.teardown(() => s.cleanup());
  t.deepEqual((await request(s.url, { path: '/healthz' })).json, { ok: true });
  t.is((await request(s.url, { path: '/readyz' })).status, 200);
  ready = { ok: false, reasons: ['git remote unreachable'] };
  const notReady = await request(s.url, { path: '/readyz' });
  t.is(notReady.status, 503);
  t.deepEqual(notReady.json, { ok: false, reasons: ['git remote unreachable'] });
  t.deepEqual((await request(s.url, { path: '/status?x=1' })).json, status);

  s.metrics.builds.inc({ result: 'ok' });
  s.metrics.reconcileDuration.observe({ result: 'ok' }, 0.2);
  const metrics = await request(s.url, { path: '/metrics' });
  t.is(metrics.status, 200);
  t.regex(String(metrics.headers['content-type']), /text\/plain/);
  for (const name of ['flowc_reconcile_duration_seconds_bucket', 'flowc_builds_total{result="ok"} 1', 'flowc_webhook_requests_total', 'flowc_flows{state="Synced"} 2', 'flowc_flows{state="Failed"} 1', 'flowc_pushes_total', 'flowc_reloads_total']) {
    t.true(metrics.body.includes(name), name);
  }
  t.is((await request(s.url, { path: '/nope' })).status, 404);
  const wrong = await request(s.url, { path: '/hooks/flow.saved', method: 'GET' });
  t.is(wrong.status, 405);
  t.is(wrong.headers.allow, 'POST');
  t.is((await request(s.url, { path: '/healthz', method: 'POST' })).status, 405);
});

test('close() stops listening', async (t) => {
  const s = await startTestServer({ auth });
  await s.cleanup();
  await t.throwsAsync(request(s.url, { path: '/healthz' }), { code: 'ECONNREFUSED' });
});
