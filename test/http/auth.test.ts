/** The auth policy (what is required), the environment mapping, and the replay guard's release on 5xx. */
import test from 'ava';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { requiredMethods, ReplayGuard, webhookAuthFromEnv } from '../../src/http/auth.js';
import { deliver, miniFlow, newSecret, signedHeaders, startTestServer } from './helpers.js';

test('required methods: configured list, a set secret always adds signature, empty list = what is configured', (t) => {
  const s = newSecret();
  t.deepEqual([...requiredMethods({ apiKey: 'k' })], ['api_key']);
  t.deepEqual([...requiredMethods({ secrets: [s] })].sort(), ['signature']);
  t.deepEqual([...requiredMethods({ apiKey: 'k', secrets: [s] })].sort(), ['api_key', 'signature']);
  t.deepEqual([...requiredMethods({ apiKey: 'k', secrets: [s], require: ['signature'] })], ['signature']);
  t.deepEqual([...requiredMethods({ apiKey: 'k', secrets: [s], require: ['api_key'] })].sort(), ['api_key', 'signature']);
  t.deepEqual([...requiredMethods({})], []);
  t.throws(() => requiredMethods({ require: ['signature'] }), { message: /FLOWC_WEBHOOK_SECRET is not set/ });
});

test('environment: BLD_KEY and both secrets; the config section fills what the environment leaves out', (t) => {
  const a = newSecret();
  const b = newSecret();
  t.deepEqual(webhookAuthFromEnv({ BLD_KEY: 'k', FLOWC_WEBHOOK_SECRET: a, FLOWC_WEBHOOK_SECRET_PREVIOUS: b }, { require: ['api_key'] }), {
    apiKey: 'k',
    secrets: [a, b],
    require: ['api_key'],
  });
  t.deepEqual(webhookAuthFromEnv({ BLD_KEY: ' ' }, { apiKey: 'from-config', signingSecret: a }), { apiKey: 'from-config', secrets: [a, undefined], require: [] });
});

test('replay guard: a reserved id is refused until released; released ids can be used again', (t) => {
  const g = new ReplayGuard(300, 3);
  t.true(g.reserve('a'));
  t.false(g.reserve('a'));
  g.release('a');
  t.true(g.reserve('a'));
  // Bounded: past `max`, the oldest id is forgotten first.
  t.true(g.reserve('b'));
  t.true(g.reserve('c'));
  t.true(g.reserve('d'));
  t.true(g.reserve('a'));
  t.false(g.reserve('d'));
});

test('a delivery that fails to store (503) does not burn its webhook-id: the sender’s retry succeeds', async (t) => {
  const secret = newSecret();
  const s = await startTestServer({ auth: { secrets: [secret] } });
  t.teardown(() => s.cleanup());
  // flows/ is replaced by a plain file: the write fails.
  rmSync(s.flowsDir, { recursive: true });
  writeFileSync(s.flowsDir, 'not a directory');
  const body = JSON.stringify(miniFlow('retry-me'));
  const headers = signedHeaders(secret, body);
  const first = await deliver(s.url, body, headers);
  t.is(first.status, 503);
  t.deepEqual(first.json, { error: 'the flow could not be stored; retry later' });
  rmSync(s.flowsDir);
  mkdirSync(s.flowsDir);
  const retry = await deliver(s.url, body, headers);
  t.is(retry.status, 202);
  t.is((await deliver(s.url, body, headers)).status, 409, 'once stored, the id is spent');
});
