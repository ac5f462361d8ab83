/**
 * The logger: one line per event, JSON off a terminal and readable on one, the agreed fields, and
 * no secret ever written — checked by planting secret values in every shape a log call can carry.
 */
import test from 'ava';
import { FlowcError } from '../src/errors.js';
import { createLogger, prettyLine, redactText, registerSecret, registerSecretsFromEnv, setLogLevel, log } from '../src/log.js';
import { setTracer, type Tracer } from '../src/telemetry/tracing.js';

function capture(options: { level?: string; format?: 'json' | 'pretty' } = {}) {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', ...options, write: (l) => void lines.push(l) });
  return { logger, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

// Planted values: what a push token, restart token, webhook secret and provider keys look like.
const PLANTED = {
  restartToken: 'rst-0f3c9a7e5b21d4',
  gitToken: 'ghp_PlantedGitToken0123456789abcdef',
  webhookSecret: 'whsec_PlantedWebhookSecret0123456789==',
  openaiKey: 'sk-proj-PlantedOpenAIKey0123456789',
  headerKey: 'phx-planted-header-key-77',
  webhookApiKey: 'bld-planted-api-key-31337',
  registered: 'pl@nted"value\\with-quotes',
};

registerSecretsFromEnv({
  LANGSERVE_RESTART_TOKEN: PLANTED.restartToken,
  FLOWC_GIT_TOKEN: PLANTED.gitToken,
  FLOWC_WEBHOOK_SECRET: PLANTED.webhookSecret,
  OPENAI_API_KEY: PLANTED.openaiKey,
  OTEL_EXPORTER_OTLP_HEADERS: `api_key=${PLANTED.headerKey},x-team=core`,
  BLD_KEY: PLANTED.webhookApiKey,
  HOME: '/root',
});
registerSecret(PLANTED.registered);

test('planted secrets never reach a line, whatever shape they travel in', (t) => {
  const { logger, lines } = capture({ level: 'trace' });
  const child = logger.child({ flowId: 'chat', webhookSecret: PLANTED.webhookSecret });
  child.info({ token: PLANTED.restartToken, nested: { deeper: { apiKey: PLANTED.openaiKey } }, headers: { authorization: `Bearer ${PLANTED.gitToken}` } }, 'keys');
  child.warn(`push to https://x-access-token:${PLANTED.gitToken}@git.example/acme.git failed`);
  child.error({ err: new FlowcError('reload', `host rejected token ${PLANTED.restartToken}`) }, 'reload failed');
  child.debug({ argv: ['git', '-c', `http.extraHeader=AUTHORIZATION: basic ${Buffer.from(`x:${PLANTED.gitToken}`).toString('base64')}`] }, 'git argv');
  child.info({ url: `https://hooks.example/x?token=abc123def&ok=1` }, `env says OTEL header ${PLANTED.headerKey} and ${PLANTED.registered}`);
  child.info({ list: [PLANTED.openaiKey, { secret: 'x-short' }] }, 'arrays too');
  child.trace({ signature: 'v1,Zm9vYmFyYmF6cXV4cXV1eA==' }, 'webhook signature');
  child.info({ headers: { 'x-api-key': PLANTED.webhookApiKey } }, `hook from key ${PLANTED.webhookApiKey}`);

  t.is(lines.length, 8, 'one line per event');
  const all = lines.join('');
  for (const [name, value] of Object.entries(PLANTED)) t.false(all.includes(value), `${name} leaked`);
  t.false(all.includes(JSON.stringify(PLANTED.registered).slice(1, -1)), 'JSON-escaped form leaked');
  t.false(all.includes(Buffer.from(`x:${PLANTED.gitToken}`).toString('base64')), 'basic credentials leaked');
  t.false(all.includes('abc123def'), 'token query parameter leaked');
  t.false(all.includes('Zm9vYmFyYmF6cXV4cXV1eA'), 'signature leaked');
  t.true(all.includes('[redacted]'));
  for (const l of lines) t.notThrows(() => JSON.parse(l), 'redaction keeps every line valid JSON');
});

test('redaction keeps what is not secret', (t) => {
  const { logger, json } = capture();
  logger.info({ flowId: 'chat', buildTag: 'bld-acme-1', secrets: 'refuse', tokens: 3, path: 'flows/chat.json' }, 'built 2 files');
  t.like(json()[0], { flowId: 'chat', buildTag: 'bld-acme-1', secrets: 'refuse', tokens: 3, path: 'flows/chat.json', msg: 'built 2 files' });
  t.is(redactText('nothing to hide here'), 'nothing to hide here');
});

test.serial('JSON line fields: level label, time, msg, flowId, buildTag, and the active trace id', async (t) => {
  const { logger, json } = capture();
  logger.info({ flowId: 'chat', buildTag: 'bld-acme-1' }, 'outside a span');
  const fake: Tracer = { inSpan: (_n, _a, fn) => fn({} as never), shutdown: async () => {}, traceId: () => '4bf92f3577b34da6a3ce929d0e0e4736' };
  setTracer(fake);
  t.teardown(() => setTracer({ inSpan: (_n, _a, fn) => fn({} as never), shutdown: async () => {} }));
  logger.warn('inside a span');
  const [outside, inside] = json();
  t.like(outside, { level: 'info', flowId: 'chat', buildTag: 'bld-acme-1', msg: 'outside a span' });
  t.regex(String(outside!.time), /^\d{4}-\d\d-\d\dT/);
  t.false('traceId' in outside!);
  t.like(inside, { level: 'warn', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
});

test('terminal format: one readable line with the key fields first', (t) => {
  const { logger, lines } = capture({ format: 'pretty' });
  logger.warn({ remote: 'origin', flowId: 'chat', buildTag: 'bld-acme-1', reason: 'non fast-forward' }, 'push rejected');
  t.is(lines.length, 1);
  t.regex(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN  push rejected {2}flowId=chat buildTag=bld-acme-1 remote=origin reason="non fast-forward"\n$/);
  t.false(lines[0]!.includes('{'), 'not JSON');
  t.is(prettyLine('not json'), 'not json');
});

test('levels: filtered below the level; --log-level/FLOWC_LOG_LEVEL values checked', (t) => {
  const { logger, lines } = capture({ level: 'warn' });
  logger.info('dropped');
  logger.debug('dropped');
  logger.error('kept');
  t.is(lines.length, 1);
  const before = log.level;
  t.teardown(() => setLogLevel(before));
  setLogLevel('debug');
  t.is(log.level, 'debug');
  const err = t.throws(() => setLogLevel('loud'));
  t.true(err instanceof FlowcError && err.kind === 'usage');
});
