/**
 * The tracing facade every layer uses. Until `initTelemetry` is called with an exporter, every
 * call is a cheap no-op and no OpenTelemetry module is loaded (a plain `--once` must not pay for it).
 */
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
}

const noopTracer: Tracer = {
  inSpan: (_name, _attrs, fn) => fn(noopSpan),
  shutdown: async () => {},
};

let current: Tracer = noopTracer;

/** Runs `fn` inside a child span of the active one (or a root span). */
export const inSpan = <T>(name: string, attrs: Attributes, fn: (span: SpanHandle) => Promise<T>): Promise<T> =>
  current.inSpan(name, attrs, fn);

/** Installs the real tracer (telemetry/otel.ts); called once at start-up when an exporter is configured. */
export const setTracer = (tracer: Tracer): void => {
  current = tracer;
};

/** Flushes and stops the exporter; safe to call when tracing is off. */
export const shutdownTelemetry = (): Promise<void> => current.shutdown();
