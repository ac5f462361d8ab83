/**
 * The tracing facade every layer uses. Until `startTelemetry` finds an exporter configured, every
 * call is a cheap no-op and no OpenTelemetry module is loaded (a plain `--once` must not pay for it).
 */
import { resolveTelemetry, type TelemetrySettings } from './targets.js';

export type Attributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  setAttribute(key: string, value: string | number | boolean): void;
  setAttributes(attrs: Attributes): void;
  /** Marks the span failed and records the exception (message only, never secrets). */
  recordError(err: unknown): void;
  /** W3C `traceparent` of this span, for propagating to the LangServe host; undefined when tracing is off. */
  traceparent(): string | undefined;
}

const noopSpan: SpanHandle = {
  setAttribute() {},
  setAttributes() {},
  recordError() {},
  traceparent: () => undefined,
};

export interface Tracer {
  inSpan<T>(name: string, attrs: Attributes, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  shutdown(): Promise<void>;
  /** W3C `traceparent` of the active span, if any. */
  traceparent?(): string | undefined;
  /** Trace id of the active span (hex), for log lines. */
  traceId?(): string | undefined;
}

const noopTracer: Tracer = {
  inSpan: (_name, _attrs, fn) => fn(noopSpan),
  shutdown: async () => {},
};

let current: Tracer = noopTracer;

/**
 * Runs `fn` inside a child span of the active one (or a root span). A thrown error is recorded on
 * the span (status ERROR + exception event) and rethrown. `openinference.span.kind` defaults to CHAIN.
 */
export const inSpan = <T>(name: string, attrs: Attributes, fn: (span: SpanHandle) => Promise<T>): Promise<T> =>
  current.inSpan(name, attrs, fn);

/** W3C `traceparent` of the active span (send it as a header to continue the trace); undefined when off. */
export const traceparent = (): string | undefined => current.traceparent?.();

/** Trace id of the active span, or undefined (tracing off / no span). */
export const currentTraceId = (): string | undefined => current.traceId?.();

/** Installs a tracer (telemetry/otel.ts, or a test double). */
export const setTracer = (tracer: Tracer): void => {
  current = tracer;
};

/** Flushes and stops the exporter; safe to call when tracing is off. Bounded by the export timeout. */
export const shutdownTelemetry = (): Promise<void> => current.shutdown();

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** flowc's version (resource `service.version`). */
  serviceVersion?: string;
  /** Default Phoenix project when the settings name none (the tenant slug). */
  projectName?: string;
  /** Flush on beforeExit / SIGTERM / SIGINT (default true; tests that call shutdown themselves pass false). */
  exitHooks?: boolean;
}

let started: Promise<boolean> | undefined;

/**
 * Call once at start-up with Config.telemetry. When a target is configured (config or OTEL_* env),
 * loads OpenTelemetry, installs the real tracer and arranges a flush on exit; otherwise loads nothing.
 * Resolves true when tracing is on.
 */
export function startTelemetry(settings: TelemetrySettings | undefined, options: StartOptions = {}): Promise<boolean> {
  started ??= (async () => {
    const resolved = resolveTelemetry(settings, options.env ?? process.env, {
      serviceVersion: options.serviceVersion ?? '',
      ...(options.projectName === undefined ? {} : { projectName: options.projectName }),
    });
    if (!resolved) return false;
    resolved.serviceVersion ||= await packageVersion();
    const { createOtelTracer } = await import('./otel.js');
    setTracer(createOtelTracer(resolved));
    if (options.exitHooks ?? true) installExitHooks();
    return true;
  })();
  return started;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Spans are flushed when the loop drains (beforeExit: `--once` ends this way, main.ts never calls
 * process.exit) and on SIGTERM/SIGINT. A signal someone else handles (watch mode's graceful stop)
 * is left to them and the flush happens at beforeExit; otherwise we flush, then re-raise the signal
 * so the process still dies of it.
 */
function installExitHooks(): void {
  process.once('beforeExit', () => void shutdownTelemetry());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 0) return; // another handler stops the process gracefully
      void shutdownTelemetry().finally(() => process.kill(process.pid, signal));
    };
    process.once(signal, onSignal);
  }
}
