import test from 'ava';
import { DEFAULT_EXPORT_TIMEOUT_MS, resolveTelemetry } from '../../src/telemetry/targets.js';

const v = { serviceVersion: '1.0.0' };

test('nothing configured → undefined (OpenTelemetry stays unloaded)', (t) => {
  t.is(resolveTelemetry(undefined, {}, v), undefined);
  t.is(resolveTelemetry({ serviceName: 'flowc', projectName: 'acme' }, {}, v), undefined);
  t.is(resolveTelemetry({ phoenix: '  ' }, {}, v), undefined);
});

test('config targets: a bare collector URL gets /v1/traces, a full one is kept', (t) => {
  const r = resolveTelemetry({ phoenix: 'http://localhost:6006', jaeger: 'http://localhost:4318/v1/traces', projectName: 'acme' }, {}, v)!;
  t.deepEqual(r.targets, [
    { name: 'phoenix', url: 'http://localhost:6006/v1/traces' },
    { name: 'jaeger', url: 'http://localhost:4318/v1/traces' },
  ]);
  t.like(r, { serviceName: 'flowc', serviceVersion: '1.0.0', projectName: 'acme', timeoutMs: DEFAULT_EXPORT_TIMEOUT_MS });
});

test('standard OTEL_* variables: endpoint base gets v1/traces appended, the traces endpoint wins, service name and timeout', (t) => {
  const base = resolveTelemetry(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/prefix/' }, v)!;
  t.deepEqual(base.targets, [{ name: 'otel', url: 'http://otel:4318/prefix/v1/traces' }]);
  const specific = resolveTelemetry(
    { serviceName: 'flowc' },
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      OTEL_SERVICE_NAME: 'flowc-acme',
      OTEL_EXPORTER_OTLP_TIMEOUT: '9000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '750',
    },
    { ...v, projectName: 'acme' },
  )!;
  t.deepEqual(specific.targets, [{ name: 'otel', url: 'http://traces:4318/custom' }]);
  t.like(specific, { serviceName: 'flowc-acme', projectName: 'acme', timeoutMs: 750 });
});

test('the same collector from config and env is exported to once', (t) => {
  const r = resolveTelemetry({ phoenix: 'http://localhost:6006/v1/traces' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:6006' }, v)!;
  t.is(r.targets.length, 1);
});

test('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none switch tracing off', (t) => {
  const s = { phoenix: 'http://localhost:6006' };
  t.is(resolveTelemetry(s, { OTEL_SDK_DISABLED: 'true' }, v), undefined);
  t.is(resolveTelemetry(s, { OTEL_TRACES_EXPORTER: 'none' }, v), undefined);
  t.truthy(resolveTelemetry(s, { OTEL_SDK_DISABLED: 'false' }, v));
});
