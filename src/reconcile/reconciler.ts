/**
 * Watch mode (`flowc reconcile`): the outer controller. It owns the lifecycle — lock, watcher,
 * timers, HTTP listener, signals — and runs passes one at a time on a serial queue:
 * - the OS's file notifications on `flows/` and the output dirs (watch.ts); events are debounced
 *   and coalesced (at most one pass waiting behind the one running), so a burst of files makes a
 *   few passes, not hundreds;
 * - a flow file with an event in the last `debounce_ms` is "settling" and waits for a later pass;
 * - a periodic full resync (with jitter) is the backstop for missed events, failed pushes and
 *   reloads; transient failures retry sooner, with backoff;
 * - SIGTERM/SIGINT: stop taking work, let the pass in flight finish (its build lands whole or not
 *   at all), then exit 0.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import type { Config } from '../config/schema.js';
import { FlowcError, isFlowcError } from '../errors.js';
import { log } from '../log.js';
import { outputRoots } from './actual.js';
import { liveDeps } from './live.js';
import { tryLock } from './lock.js';
import { runPass, type PassDeps, type PassResult } from './pass.js';
import { statusReport, type StatusReport } from './report.js';
import { emptyState, readState, type ReconcileState } from './state.js';
import { watchFolders } from './watch.js';

export interface WatchOptions {
  allowEmpty: boolean;
  /** host:port for the webhook/status listener, or false. */
  listen: string | false;
}

/** What the reconciler updates in the metrics registry (http/metrics.ts `ReconcileMetrics`). */
export interface MetricsLike {
  reconcileDuration: { observe(labels: { result: string }, v: number): void };
  builds: { inc(labels: { result: string }, v?: number): void };
  pushes: { inc(labels: { result: string }): void };
  reloads: { inc(labels: { result: string }): void };
  /** Flows by state; the whole table is replaced after each pass. */
  flows?: { reset(): void; set(labels: { state: string }, v: number): void };
}

export interface Controller {
  /** Ask for a pass soon (debounced); `flowId` is informational. */
  poke(flowId?: string): void;
  /** Someone else pushed: the next pass fetches, moves onto the remote tip, then converges. */
  pull(): void;
  /** Webhook admission: refuse (503) while stopping, or while too many changes wait for a pass. */
  admit(): { ok: true } | { ok: false; reason: 'suspended' | 'queue_full' };
  /** Work waiting now: passes queued or running (coalesced: never more than 2), changes not yet picked up; while a pass reads its flows, how many of how many. */
  load(): { passes: number; changes: number; done?: number; of?: number };
  /** Same JSON as `flowc status --json`, from the last pass (synchronous: served by GET /status). */
  status(): StatusReport;
  /** Calls `listener` after every pass (the status page's live updates); returns how to stop. */
  subscribe(listener: () => void): () => void;
  /** Resolves once the first pass has completed. */
  ready: Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the controller has stopped. */
  done: Promise<void>;
}

export interface WatchHooks {
  metrics?: MetricsLike;
  /** Starts the webhook/status listener (the CLI wires src/http); returns its close. */
  startHttp?: (ctl: Controller) => Promise<{ url: string; close(): Promise<void> } | undefined>;
}

export async function watch(config: Config, options: WatchOptions, hooks: WatchHooks = {}): Promise<number> {
  const deps = await liveDeps(config);
  const lock = await tryLock(deps.gitDir, 'watch');
  if (!('release' in lock)) {
    await deps.close();
    throw new FlowcError('lock', `another flowc (pid ${lock.heldBy.pid}) is already reconciling ${config.repoRoot}`, { hint: 'stop it first; one writer per repo' });
  }
  let http: { url: string; close(): Promise<void> } | undefined;
  try {
    const ctl = startController(deps, { allowEmpty: options.allowEmpty, ...(hooks.metrics ? { metrics: hooks.metrics } : {}) });
    // `on`, not `once`: the handler must stay installed until we are done, or a library's own
    // signal handler (write-file-atomic's signal-exit) sees no one else listening and re-raises.
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, 'stopping: finishing the pass in flight');
      void ctl.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (options.listen !== false && hooks.startHttp) {
      // A listener that cannot start (port taken, auth misconfigured) must not leave the loop running.
      http = await hooks.startHttp(ctl).catch(async (err: unknown) => {
        await ctl.stop();
        throw err;
      });
    }
    log.info({ repo: config.repoRoot, branch: config.branch, listen: http?.url }, 'reconciler started');
    await ctl.done;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    return 0;
  } finally {
    await http?.close().catch(() => {});
    await deps.close();
    await lock.release();
  }
}

/** Changes (distinct flows) waiting for a pass before the webhook answers 503 queue_full. */
export const MAX_WAITING_CHANGES = 10_000;

export function startController(deps: PassDeps, o: { allowEmpty: boolean; metrics?: MetricsLike; random?: () => number; maxWaiting?: number }): Controller {
  const { config } = deps;
  const maxWaiting = o.maxWaiting ?? MAX_WAITING_CHANGES;
  // Flows poked or touched since the last pass began: bounded by the flows that exist, and by
  // admit() for the webhook, so a burst grows neither this nor the queue (one pass runs, one waits).
  const waiting = new Set<string>();
  const random = o.random ?? Math.random;
  const queue = new PQueue({ concurrency: 1 });
  const lastEvent = new Map<string, number>();
  let stopping = false;
  let debounce: NodeJS.Timeout | undefined;
  let resync: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let last: PassResult | undefined;
  let head: string | undefined;
  let initial: ReconcileState | undefined;
  void readState(deps.gitDir).then((s) => (initial = s));
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  // A debounced pass starts >= debounceMs after the last event; the margin keeps timer/clock jitter
  // from taking a finished file for one still being written.
  const settleMs = Math.max(40, config.debounceMs * 0.8);

  const schedule = () => {
    if (stopping || queue.size > 0) return; // one pass already waiting: it will see this change too
    void queue.add(pass);
  };
  let pullNext = false;
  /** The running pass's progress through the flows (undefined between passes). */
  let reading: { done: number; of: number } | undefined;
  const listeners = new Set<() => void>();
  const poke = (flowId?: string) => {
    if (stopping) return;
    if (flowId !== undefined && waiting.size < maxWaiting) waiting.add(flowId);
    clearTimeout(debounce);
    debounce = setTimeout(schedule, config.debounceMs);
  };
  const armResync = () => {
    clearTimeout(resync);
    const ms = config.resyncSeconds * 1000 * (0.9 + 0.2 * random());
    resync = setTimeout(() => {
      schedule();
      armResync();
    }, ms);
  };

  async function pass(): Promise<void> {
    if (stopping) return;
    waiting.clear();
    const pull = pullNext;
    pullNext = false;
    const now = Date.now();
    const settling = new Set<string>();
    for (const [file, t] of lastEvent) {
      if (now - t < settleMs) settling.add(file);
      else lastEvent.delete(file);
    }
    const started = process.hrtime.bigint();
    try {
      const r = await runPass(deps, { allowEmpty: o.allowEmpty, settling, pull, onProgress: (done, of) => (reading = { done, of }) });
      const tip = await deps.git.head();
      failures = 0;
      // One line per event, with the pass's trace id so a line leads to its trace.
      const ctx = r.traceId ? { traceId: r.traceId } : {};
      for (const b of r.builds) for (const flowId of b.flows.length ? b.flows : [undefined]) log.info({ ...ctx, flowId, buildTag: b.tag, commit: b.commit }, 'build committed');
      for (const i of r.plan.items) if (i.kind === 'failed') log.warn({ ...ctx, flowId: i.flowId, file: i.source }, i.reason ?? 'failed');
      for (const i of r.plan.items) {
        const edited = i.writes.filter((w) => w.reason === 'hand-edited').map((w) => w.path);
        if (edited.length) log.warn({ ...ctx, flowId: i.flowId, files: edited }, 'hand edit of generated files overwritten');
      }
      if (r.plan.refused) log.warn(ctx, r.plan.refused);
      if (r.push?.state === 'pending') log.warn({ ...ctx, detail: r.push.detail }, 'push pending: remote unreachable, retried later');
      if (r.reload.state === 'pending') log.warn({ ...ctx, detail: r.reload.detail }, 'reload pending: retried later');
      o.metrics?.reconcileDuration.observe({ result: r.ok ? 'ok' : 'failed' }, Number(process.hrtime.bigint() - started) / 1e9);
      if (r.builds.length) o.metrics?.builds.inc({ result: 'ok' }, r.builds.length);
      if (r.push) o.metrics?.pushes.inc({ result: r.push.state === 'pushed' ? 'ok' : r.push.state === 'no-remote' ? 'skipped' : 'failed' });
      if (r.reload.state !== 'none') o.metrics?.reloads.inc({ result: r.reload.state === 'reloaded' ? 'ok' : 'failed' });
      if (o.metrics?.flows) {
        const counts: Record<string, number> = {};
        for (const f of statusReport({ slug: config.slug, branch: config.branch, head: tip, plan: r.plan, state: r.state, applied: true }).flows) counts[f.status] = (counts[f.status] ?? 0) + 1;
        o.metrics.flows.reset();
        for (const [state, n] of Object.entries(counts)) o.metrics.flows.set({ state }, n);
      }
      // Published together, synchronously: status and metrics never disagree.
      last = r;
      head = tip;
      for (const listener of listeners) listener();
      if (r.plan.items.some((i) => i.kind === 'pending')) poke();
      // The status served is the last plan; after a build, re-read so it shows what git now holds (Synced).
      else if (r.builds.length) poke();
      if (r.state.push.pending || r.state.reload.pending) backoff();
    } catch (err) {
      failures++;
      o.metrics?.reconcileDuration.observe({ result: 'failed' }, Number(process.hrtime.bigint() - started) / 1e9);
      log.error({ err: isFlowcError(err) ? err.toJSON() : { message: (err as Error).message } }, 'reconcile pass failed');
      backoff();
    } finally {
      reading = undefined;
      watchNewFolders();
      resolveReady();
    }
  }

  /** Transient trouble (remote down, reload failing, git busy): try again sooner than the resync. */
  function backoff() {
    if (stopping) return;
    clearTimeout(retry);
    const ms = Math.min(config.resyncSeconds * 1000, 1000 * 2 ** Math.min(failures, 6)) * (0.5 + random() / 2);
    retry = setTimeout(schedule, ms);
  }

  const roots = outputRoots(config);
  const abs = (rel: string) => path.join(config.repoRoot, rel);
  const flowsAbs = abs(config.flowsDir);
  const server = new Set(roots.shallow.map((d) => path.posix.join(d, 'server.py')));
  const rootFiles = new Set(roots.files);
  /** A generated file (or one flowc would generate) the event names: a hand edit there is drift. */
  const generated = (rel: string) =>
    rootFiles.has(rel) || server.has(rel) || (/\.(py|md|json)$/.test(rel) && roots.recursive.some((r) => rel.startsWith(`${r}/`)));
  const watcher = watchFolders(
    (file) => {
      const rel = path.relative(config.repoRoot, file).split(path.sep).join('/');
      if (path.dirname(file) === flowsAbs) {
        if (!file.endsWith('.json')) return;
        if (existsSync(file)) lastEvent.set(rel, Date.now());
        else lastEvent.delete(rel);
        poke(path.basename(file, '.json'));
      } else if (generated(rel)) poke();
    },
    (err) => log.error({ err: { message: err.message } }, 'watcher error'),
  );
  // Watched folders: flows/, the output roots with their sub-folders, and the folders of the host
  // and of the root files. Those the first build creates (the normal case after `flowc init`) are
  // not there yet: each pass adds what now exists, so a hand edit there is seen at once.
  const folders: Array<[string, boolean]> = [
    [flowsAbs, false],
    ...roots.recursive.map((r): [string, boolean] => [abs(r), true]),
    ...[...new Set([...server, ...rootFiles].map((f) => path.dirname(abs(f))))].map((d): [string, boolean] => [d, false]),
  ];
  const watchNewFolders = () => {
    if (stopping) return; // a closed watcher must not be reopened (the process would never exit)
    for (const [dir, deep] of folders) watcher.add(dir, deep);
  };
  watchNewFolders();
  setImmediate(schedule); // the first full pass
  armResync();

  return {
    poke,
    pull: () => {
      pullNext = true;
      poke();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    admit: () => (stopping ? { ok: false, reason: 'suspended' } : waiting.size >= maxWaiting ? { ok: false, reason: 'queue_full' } : { ok: true }),
    load: () => ({ passes: queue.size + queue.pending, changes: waiting.size, ...(reading ? { done: reading.done, of: reading.of } : {}) }),
    status() {
      const state = last?.state ?? initial ?? emptyState();
      return statusReport({ slug: config.slug, branch: config.branch, head, plan: last?.plan ?? { items: [] }, state, applied: true });
    },
    ready,
    async stop() {
      if (stopping) return done;
      stopping = true;
      clearTimeout(debounce);
      clearTimeout(resync);
      clearTimeout(retry);
      queue.clear(); // passes not yet started are dropped; the one in flight finishes
      watcher.close();
      await queue.onIdle();
      resolveDone();
      return done;
    },
    done,
  };
}
