/**
 * The real tracer against two loopback OTLP receivers (the config's Phoenix and Jaeger targets):
 * OTLP protobuf over HTTP, DESIGN §6 span names, attributes, nesting, failure recording and the
 * resource. Fast feedback without Phoenix.
 */
import test from 'ava';
import { FlowcError } from '../../src/errors.js';
import { registerSecret } from '../../src/log.js';
import { currentTraceId, inSpan, shutdownTelemetry, startTelemetry, traceparent } from '../../src/telemetry/tracing.js';
import { startReceiver, type DecodedSpan } from './otlp-receiver.js';

test('spans reach every target as OTLP protobuf, named and linked as DESIGN §6 says', async (t) => {
  const phoenix = await startReceiver();
  const jaeger = await startReceiver();
  t.teardown(() => Promise.all([phoenix.close(), jaeger.close()]));
  registerSecret('planted-restart-token-42');

  const on = await startTelemetry(
    { phoenix: phoenix.url, jaeger: `${jaeger.url}/v1/traces`, serviceName: 'flowc', projectName: 'acme' },
    { env: {}, serviceVersion: '1.2.3', exitHooks: false },
  );
  t.true(on);

  let seen: { traceparent?: string; traceId?: string; inner?: string } = {};
  const out = await inSpan('reconcile', { tenant: 'acme', stack_port: 4101 }, async () =>
    inSpan('codegen.chat', { tenant: 'acme', stack_port: 4101, 'flow.id': 'chat', 'flow.input_sha256': 'ab'.repeat(32), 'openinference.span.kind': 'CHAIN' }, async (span) => {
      span.setAttribute('build.tag', 'bld-acme-20261125T000000Z');
      seen = { traceparent: span.traceparent(), traceId: currentTraceId() };
      await inSpan('git.commit', { 'build.tag': 'bld-acme-20261125T000000Z' }, async () => {});
      await inSpan('git.push', { remote: 'https://x:planted-restart-token-42@git.example/acme.git' }, async () => {});
      await t.throwsAsync(
        inSpan('langserve.reload', { 'openinference.span.kind': 'TOOL' }, async () => {
          seen.inner = traceparent();
          throw new FlowcError('reload', 'host refused token planted-restart-token-42', { transient: true });
        }),
      );
      return 'built';
    }),
  );
  t.is(out, 'built', 'inSpan returns what its function returns');
  await shutdownTelemetry();

  for (const receiver of [phoenix, jaeger]) {
    const spans = await receiver.until((s) => s.length >= 5);
    t.true(receiver.contentTypes.every((c) => c === 'application/x-protobuf'));
    const byName = new Map(spans.map((s) => [s.name, s] as const));
    t.deepEqual([...byName.keys()].sort(), ['codegen.chat', 'git.commit', 'git.push', 'langserve.reload', 'reconcile']);
    const get = (n: string): DecodedSpan => byName.get(n)!;
    const root = get('reconcile');
    const codegen = get('codegen.chat');

    t.is(root.parentSpanId, '', 'reconcile is the root');
    t.is(codegen.parentSpanId, root.spanId);
    for (const child of ['git.commit', 'git.push', 'langserve.reload']) t.is(get(child).parentSpanId, codegen.spanId, child);
    t.true(spans.every((s) => s.traceId === root.traceId), 'one trace per pass');

    t.like(root.attributes, { tenant: 'acme', stack_port: 4101, 'openinference.span.kind': 'CHAIN' });
    t.like(codegen.attributes, {
      tenant: 'acme',
      stack_port: 4101,
      'flow.id': 'chat',
      'flow.input_sha256': 'ab'.repeat(32),
      'build.tag': 'bld-acme-20261125T000000Z',
    });
    t.like(root.resource, { 'service.name': 'flowc', 'service.version': '1.2.3', 'openinference.project.name': 'acme' });

    const reload = get('langserve.reload');
    t.is(reload.attributes['openinference.span.kind'], 'TOOL');
    t.is(reload.status.code, 2, 'status ERROR');
    t.like(reload.attributes, { 'error.kind': 'reload', 'error.transient': true });
    const exception = reload.events.find((e) => e.name === 'exception');
    t.truthy(exception);
    t.regex(String(exception!.attributes['exception.message']), /host refused token \[redacted\]/);
    t.false(JSON.stringify(spans).includes('planted-restart-token-42'), 'no secret in any span');
    t.is(get('git.push').status.code, 0, 'a span that did not fail carries no error');
    t.is(get('git.push').attributes.remote, 'https://[redacted]@git.example/acme.git', 'attribute values are redacted too');

    t.is(seen.traceparent, `00-${codegen.traceId}-${codegen.spanId}-01`);
    t.is(seen.traceId, root.traceId);
    t.is(seen.inner, `00-${reload.traceId}-${reload.spanId}-01`, 'traceparent() is the active span');
  }
});
