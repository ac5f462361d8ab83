/**
 * flowc's Prometheus metrics, on one registry served at `GET /metrics`. The CLI creates them once
 * (`createMetrics()`) and hands the same object to the reconciler (which updates the reconcile,
 * build, push, reload and flow-state metrics) and to `startHttpServer` (which counts webhook
 * replies). The reconciler sits below http in the layering, so it should take this object as a
 * parameter typed by the `ReconcileMetrics` shape below rather than import this module.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Result = 'ok' | 'failed' | 'skipped';

/** What the reconciler updates. */
export interface ReconcileMetrics {
  /** Seconds per reconcile pass; `result` = ok | failed. */
  reconcileDuration: Histogram<'result'>;
  /** Flows by state (Synced, OutOfSync, Failed, Suspended): the server sets it from `status()` at each scrape. */
  flows: Gauge<'state'>;
  builds: Counter<'result'>;
  pushes: Counter<'result'>;
  reloads: Counter<'result'>;
}

export interface FlowcMetrics extends ReconcileMetrics {
  registry: Registry;
  webhookRequests: Counter<'code'>;
}

/**
 * The metrics on `registry` (a fresh one by default). Idempotent per registry: a second call
 * returns the instruments already registered, so the CLI and the server may both call it.
 */
export function createMetrics(registry: Registry = new Registry(), options: { processMetrics?: boolean } = {}): FlowcMetrics {
  const reuse = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  const registers = [registry];
  if (options.processMetrics && !registry.getSingleMetric('process_cpu_seconds_total')) collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcileDuration: reuse(
      'flowc_reconcile_duration_seconds',
      () =>
        new Histogram({
          name: 'flowc_reconcile_duration_seconds',
          help: 'Duration of one reconcile pass.',
          labelNames: ['result'],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers,
        }),
    ),
    flows: reuse('flowc_flows', () => new Gauge({ name: 'flowc_flows', help: 'Flows by reconcile state.', labelNames: ['state'], registers })),
    builds: reuse('flowc_builds_total', () => new Counter({ name: 'flowc_builds_total', help: 'Flow builds by result.', labelNames: ['result'], registers })),
    pushes: reuse('flowc_pushes_total', () => new Counter({ name: 'flowc_pushes_total', help: 'Git pushes by result.', labelNames: ['result'], registers })),
    reloads: reuse(
      'flowc_reloads_total',
      () => new Counter({ name: 'flowc_reloads_total', help: 'LangServe host reloads by result.', labelNames: ['result'], registers }),
    ),
    webhookRequests: reuse(
      'flowc_webhook_requests_total',
      () => new Counter({ name: 'flowc_webhook_requests_total', help: 'Webhook deliveries by HTTP reply code.', labelNames: ['code'], registers }),
    ),
  };
}

/** Replace the flows-by-state table at once (states absent from `counts` drop to nothing). */
export function setFlowStates(metrics: Pick<ReconcileMetrics, 'flows'>, counts: Record<string, number>): void {
  metrics.flows.reset();
  for (const [state, n] of Object.entries(counts)) metrics.flows.set({ state }, n);
}
