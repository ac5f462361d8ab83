/**
 * The real Tracer behind the facade (tracing.ts): OpenTelemetry's light set, OTLP protobuf over HTTP
 * to every configured target. Only ever loaded by dynamic import, when an exporter is configured.
 *
 * Export runs in the background (batch processor); a collector that is down or never answers costs
 * at most `timeoutMs` at shutdown, and never fails a build: export errors are logged once per target.
 */
import { SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { log, redactText } from '../log.js';
import type { ResolvedTelemetry, TelemetryTarget } from './targets.js';
import type { Attributes, SpanHandle, Tracer } from './tracing.js';

const propagator = new W3CTraceContextPropagator();

/** Logs the first failure per target (then once more when it recovers), never the payload. */
function watched(target: TelemetryTarget, exporter: SpanExporter): SpanExporter {
  let failing = false;
  return {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !failing) {
          failing = true;
          log.warn(
            { target: target.name, url: redactText(target.url), err: result.error?.message },
            'trace export failed; spans are dropped until the collector answers (builds are not affected)',
          );
        } else if (result.code === ExportResultCode.SUCCESS && failing) {
          failing = false;
          log.info({ target: target.name }, 'trace export recovered');
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** Drops undefined values; string values go through the log redaction (a URL with credentials, a header). */
function clean(attrs: Attributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = typeof v === 'string' ? redactText(v) : v;
  return out;
}

function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(context.active(), span), carrier, {
    set: (c, k, v) => {
      c[k] = v;
    },
  });
  return carrier.traceparent;
}

function recordError(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  // FlowcError.describe() says where (file, node, field); a stack says nothing useful to a trace reader.
  const describe = (e as { describe?: () => string }).describe;
  const message = redactText(typeof describe === 'function' ? describe.call(e) : e.message);
  span.recordException({ name: e.name, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  const kind = (e as { kind?: unknown }).kind;
  if (typeof kind === 'string') span.setAttribute('error.kind', kind);
  const transient = (e as { transient?: unknown }).transient;
  if (typeof transient === 'boolean') span.setAttribute('error.transient', transient);
}

function handle(span: Span): SpanHandle {
  return {
    setAttribute: (k, v) => void span.setAttribute(k, typeof v === 'string' ? redactText(v) : v),
    setAttributes: (attrs) => void span.setAttributes(clean(attrs)),
    recordError: (err) => recordError(span, err),
    traceparent: () => traceparentOf(span),
  };
}

export function createOtelTracer(settings: ResolvedTelemetry): Tracer {
  const resource = resourceFromAttributes({
    'service.name': settings.serviceName,
    'service.version': settings.serviceVersion,
    'openinference.project.name': settings.projectName,
  });
  const spanProcessors = settings.targets.map(
    (target) =>
      new BatchSpanProcessor(
        watched(target, new OTLPTraceExporter({ url: target.url, timeoutMillis: settings.timeoutMs })),
        // Small batches, sent soon: a reconcile pass is a handful of spans, and a crash loses less.
        { scheduledDelayMillis: 500, exportTimeoutMillis: settings.timeoutMs, maxExportBatchSize: 256 },
      ),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  // Registers the AsyncLocalStorage context manager, so nested inSpan calls become child spans.
  provider.register();
  const tracer = provider.getTracer('flowc', settings.serviceVersion);
  let stopped: Promise<void> | undefined;

  return {
    inSpan(name, attrs, fn) {
      const attributes = clean({ 'openinference.span.kind': 'CHAIN', ...attrs });
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await fn(handle(span));
        } catch (err) {
          recordError(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    traceparent() {
      const span = trace.getActiveSpan();
      return span ? traceparentOf(span) : undefined;
    },
    traceId() {
      return trace.getActiveSpan()?.spanContext().traceId;
    },
    shutdown() {
      // Bounded: the exporter gives up after timeoutMs; the race guards against anything else hanging.
      stopped ??= Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, settings.timeoutMs + 500).unref()),
      ]);
      return stopped;
    },
  };
}
