/**
 * Acceptance 1: a correctly signed delivery is accepted; a tampered body, a wrong secret, a stale or
 * future timestamp, a reused webhook-id, missing headers and a wrong API key are refused with the
 * right code and nothing is written. Signatures here come from node:crypto (helpers.signVector),
 * checked against the Standard Webhooks published vector, not from the package under test.
 */
import test from 'ava';
import { Webhook } from 'standardwebhooks';
import { deliver, miniFlow, newSecret, nowSeconds, signedHeaders, signVector, startTestServer, type TestServer } from './helpers.js';

const published = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('the published Standard Webhooks vector: node:crypto signer and the package agree with it', (t) => {
  const { secret, id, timestamp, payload, signature } = published;
  t.is(signVector(secret, id, timestamp, payload), signature);
  t.is(new Webhook(secret).sign(id, new Date(timestamp * 1000), payload), signature);
});

const secret = newSecret();
const previous = newSecret();
const apiKey = 'bld-' + 'k'.repeat(8) + '-test';

let server: TestServer;
test.before(async () => {
  server = await startTestServer({ auth: { apiKey, secrets: [secret, previous], require: ['api_key', 'signature'] } });
});
test.after.always(() => server?.cleanup());

const flowFiles = () => server.tree().filter((p) => p.startsWith('tenant/flows/') && p.endsWith('.json'));

test.serial('a correctly signed delivery with the API key is accepted: 202 {flowId, status}, file written, loop poked', async (t) => {
  const body = JSON.stringify(miniFlow('good-1'));
  const res = await deliver(server.url, body, { 'x-api-key': apiKey, ...signedHeaders(secret, body) });
  t.is(res.status, 202);
  t.deepEqual(res.json, { flowId: 'good-1', status: 'queued' });
  t.deepEqual(flowFiles(), ['tenant/flows/good-1.json']);
  t.true(server.pokes.includes('good-1'));
});

test.serial('the previous secret still verifies during a rotation; several v1 signatures are accepted', async (t) => {
  const body = JSON.stringify(miniFlow('rotated'));
  const h = signedHeaders(previous, body);
  const res = await deliver(server.url, body, { 'x-api-key': apiKey, ...h });
  t.is(res.status, 202);
  const body2 = JSON.stringify(miniFlow('multi'));
  const h2 = signedHeaders(secret, body2);
  h2['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${h2['webhook-signature']}`;
  t.is((await deliver(server.url, body2, { 'x-api-key': apiKey, ...h2 })).status, 202);
});

test.serial('the signature covers the raw bytes: a body with a UTF-8 BOM and non-ASCII text verifies', async (t) => {
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(miniFlow('bom', 'Réponds en français: {question} — 日本語')))]);
  const res = await deliver(server.url, body, { 'x-api-key': apiKey, ...signedHeaders(secret, body) });
  t.is(res.status, 202);
  t.deepEqual(res.json, { flowId: 'bom', status: 'queued' });
});

test.serial('refusals: each with its code, nothing written, no poke', async (t) => {
  const before = flowFiles();
  const pokes = server.pokes.length;
  const body = JSON.stringify(miniFlow('bad'));
  const good = (): Record<string, string> => ({ 'x-api-key': apiKey, ...signedHeaders(secret, body) });
  // A future timestamp comes closer to the tolerance edge while the cases before it are delivered,
  // and nowSeconds() floors: 301 s ahead was sometimes inside 300 s by the time it arrived (CI).
  const cases: Array<[string, string | Buffer, Record<string, string>, number]> = [
    ['tampered body', body.replace('Answer', 'Ansver'), good(), 401],
    ['wrong secret', body, { 'x-api-key': apiKey, ...signedHeaders(newSecret(), body) }, 401],
    ['stale timestamp', body, { 'x-api-key': apiKey, ...signedHeaders(secret, body, { timestamp: nowSeconds() - 301 }) }, 401],
    ['future timestamp', body, { 'x-api-key': apiKey, ...signedHeaders(secret, body, { timestamp: nowSeconds() + 330 }) }, 401],
    ['missing webhook-signature', body, omit(good(), 'webhook-signature'), 401],
    ['missing webhook-id', body, omit(good(), 'webhook-id'), 401],
    ['missing webhook-timestamp', body, omit(good(), 'webhook-timestamp'), 401],
    ['no headers at all', body, {}, 401],
    ['wrong API key', body, { ...good(), 'x-api-key': apiKey + 'x' }, 401],
    ['missing API key', body, omit(good(), 'x-api-key'), 401],
    ['signature of another version', body, { ...good(), 'webhook-signature': good()['webhook-signature']!.replace('v1,', 'v2,') }, 401],
    ['non-numeric timestamp', body, { ...good(), 'webhook-timestamp': `${nowSeconds()}abc` }, 401],
  ];
  for (const [name, b, headers, code] of cases) {
    const res = await deliver(server.url, b, headers);
    t.is(res.status, code, name);
    t.is(typeof res.json?.error, 'string', name);
    t.false(/at \w+ \(|node_modules|\/src\//.test(res.body), `${name}: no internals in the reply`);
  }
  t.deepEqual(flowFiles(), before);
  t.is(server.pokes.length, pokes);
});

test.serial('a reused webhook-id is refused with 409 and writes nothing', async (t) => {
  const body = JSON.stringify(miniFlow('replayed', 'first'));
  const headers: Record<string, string> = { 'x-api-key': apiKey, ...signedHeaders(secret, body) };
  t.is((await deliver(server.url, body, headers)).status, 202);
  const before = server.tree();
  // The very same delivery, and the same id re-signed over different content.
  t.is((await deliver(server.url, body, headers)).status, 409);
  const body2 = JSON.stringify(miniFlow('replayed', 'second'));
  const id = headers['webhook-id'];
  const res = await deliver(server.url, body2, { 'x-api-key': apiKey, ...signedHeaders(secret, body2, { id }) });
  t.is(res.status, 409);
  t.deepEqual(server.tree(), before);
});

test.serial('webhook requests are counted by reply code in /metrics', async (t) => {
  const text = await server.metrics.registry.metrics();
  t.regex(text, /flowc_webhook_requests_total\{code="202"\} [1-9]/);
  t.regex(text, /flowc_webhook_requests_total\{code="401"\} [1-9]/);
  t.regex(text, /flowc_webhook_requests_total\{code="409"\} [1-9]/);
});

test('API key only (no secret set): right key accepted, wrong key refused', async (t) => {
  const s = await startTestServer({ auth: { apiKey } });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('k1'));
  t.is((await deliver(s.url, body, { 'x-api-key': apiKey })).status, 202);
  t.is((await deliver(s.url, body, { 'x-api-key': 'nope' })).status, 401);
  t.is((await deliver(s.url, body)).status, 401);
});

test('a set secret refuses unsigned deliveries even when only api_key is required', async (t) => {
  const s = await startTestServer({ auth: { apiKey, secrets: [secret], require: ['api_key'] } });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('u1'));
  t.is((await deliver(s.url, body, { 'x-api-key': apiKey })).status, 401);
  t.is((await deliver(s.url, body, { 'x-api-key': apiKey, ...signedHeaders(secret, body) })).status, 202);
});

test('signature only: no API key needed, but a wrong one presented is refused', async (t) => {
  const s = await startTestServer({ auth: { apiKey, secrets: [secret], require: ['signature'] } });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('s1'));
  t.is((await deliver(s.url, body, signedHeaders(secret, body))).status, 202);
  t.is((await deliver(s.url, body, { 'x-api-key': 'wrong', ...signedHeaders(secret, body) })).status, 401);
});

test('with no credential configured every delivery is refused', async (t) => {
  const s = await startTestServer({ auth: {} });
  t.teardown(() => s.cleanup());
  const body = JSON.stringify(miniFlow('n1'));
  t.is((await deliver(s.url, body, { 'x-api-key': 'anything' })).status, 401);
  t.deepEqual(s.tree().filter((p) => p.endsWith('.json')), []);
});

test('requiring a method with no credential set, or a malformed secret, is a config error at start', async (t) => {
  await t.throwsAsync(startTestServer({ auth: { require: ['signature'] } }), { message: /FLOWC_WEBHOOK_SECRET is not set/ });
  await t.throwsAsync(startTestServer({ auth: { require: ['api_key'] } }), { message: /BLD_KEY is not set/ });
  const err = await t.throwsAsync(startTestServer({ auth: { secrets: ['whsec_!!not-base64!!'] } }));
  t.regex(err!.message, /FLOWC_WEBHOOK_SECRET is not a valid/);
  t.false(err!.message.includes('not-base64'));
});

function omit(o: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _, ...rest } = o;
  return rest;
}

test('issue 14 #4: a captured signed delivery replayed after a restart is refused (webhook ids kept across restarts)', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const state = mkdtempSync(join(tmpdir(), 'flowc-replay-'));
  t.teardown(() => rmSync(state, { recursive: true, force: true }));
  const replayFile = join(state, 'flowc', 'webhook-ids');
  const body = JSON.stringify(miniFlow('restarted', 'v1'));
  const headers: Record<string, string> = { 'x-api-key': apiKey, ...signedHeaders(secret, body) };
  const first = await startTestServer({ auth: { apiKey, secrets: [secret], require: ['api_key', 'signature'] }, replayFile });
  t.is((await deliver(first.url, body, headers)).status, 202);
  await first.cleanup();
  // A restart: a new process, the same state dir.
  const second = await startTestServer({ auth: { apiKey, secrets: [secret], require: ['api_key', 'signature'] }, replayFile });
  t.teardown(() => second.cleanup());
  t.is((await deliver(second.url, body, headers)).status, 409, 'the captured delivery is refused after the restart');
  const fresh = JSON.stringify(miniFlow('restarted', 'v2'));
  t.is((await deliver(second.url, fresh, { 'x-api-key': apiKey, ...signedHeaders(secret, fresh) })).status, 202, 'a new delivery still goes through');
});

test('issue 14 #4: a signed delivery older than the flow\'s current version is refused, also after a restart', async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const state = mkdtempSync(join(tmpdir(), 'flowc-version-'));
  t.teardown(() => rmSync(state, { recursive: true, force: true }));
  const replayFile = join(state, 'flowc', 'webhook-ids');
  const auth = { apiKey, secrets: [secret], require: ['api_key', 'signature'] as Array<'api_key' | 'signature'> };
  const now = Math.floor(Date.now() / 1000);
  const signed = (text: string, timestamp: number) => {
    const body = JSON.stringify(miniFlow('versioned', text));
    return { body, headers: { 'x-api-key': apiKey, ...signedHeaders(secret, body, { timestamp }) } };
  };
  const older = signed('v1', now - 60);
  const newer = signed('v2', now - 10);
  const flowsDir = join(state, 'flows');
  const first = await startTestServer({ auth, replayFile, flowsDir });
  t.is((await deliver(first.url, newer.body, newer.headers)).status, 202);
  const stale = await deliver(first.url, older.body, older.headers);
  t.is(stale.status, 409, 'the older delivery (captured, or a retry that lost the race) would revert the flow');
  t.regex(JSON.stringify(stale.body), /older than the one that wrote the current version of flow versioned/);
  t.regex(readFileSync(join(flowsDir, 'versioned.json'), 'utf8'), /v2/);
  await first.cleanup();
  const second = await startTestServer({ auth, replayFile, flowsDir });
  t.teardown(() => second.cleanup());
  t.is((await deliver(second.url, older.body, signed('v1', now - 60).headers)).status, 409, 'after a restart too');
  const latest = signed('v3', now);
  t.is((await deliver(second.url, latest.body, latest.headers)).status, 202, 'a newer delivery goes through');
  t.regex(readFileSync(join(flowsDir, 'versioned.json'), 'utf8'), /v3/);
});
