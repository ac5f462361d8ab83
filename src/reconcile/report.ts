/**
 * The shapes flowc prints (`--json`) and serves (`GET /status`), derived from a plan and the
 * stored state. Pure. Documented in docs/reconcile.md; change them only together with the docs.
 */
import { CHANGING, DEFERRED, DRIFT, type Plan, type PlanItem } from './plan.js';
import type { PassResult } from './pass.js';
import type { ReconcileState } from './state.js';

export type FlowStatus = 'Synced' | 'OutOfSync' | 'Failed' | 'Suspended';

export interface StatusReport {
  slug: string;
  branch: string;
  head: string | null;
  lastBuild: ReconcileState['lastBuild'] | null;
  push: { pending: boolean; tags: string[]; lastError: string | null; lastAttempt: string | null };
  reload: { pending: boolean; lastError: string | null; generation: number | null };
  lastPass: ReconcileState['lastPass'] | null;
  refused: string | null;
  flows: Array<{ id: string; source: string; status: FlowStatus; reason: string | null; inputSha256: string | null; files: string[] }>;
}

const files = (i: PlanItem) => [...new Set([...i.writes.map((w) => w.path), ...i.deletes])].sort();

function flowStatus(i: PlanItem): { status: FlowStatus; reason: string | null } {
  if (i.kind === 'failed') return { status: 'Failed', reason: i.reason ?? 'failed' };
  if (i.kind === 'suspended') return { status: 'Suspended', reason: i.reason ?? 'suspended' };
  if (i.kind === 'pending') return { status: 'OutOfSync', reason: i.reason === 'being written' || !i.reason ? 'the flow file is being written' : i.reason };
  if (i.kind === 'orphan') return { status: 'OutOfSync', reason: 'flow file removed; its generated files remain' };
  if (i.kind === 'uncommitted') return { status: 'OutOfSync', reason: 'generated files are not committed yet' };
  if (DRIFT.has(i.kind)) return { status: 'OutOfSync', reason: `${i.kind}: ${files(i).join(', ')}` };
  return { status: 'Synced', reason: null };
}

/**
 * `applied`: the plan has just been run by a pass (watch mode's `GET /status`), so its changes
 * are done — created/updated flows are Synced and removed ones are gone. Without it the plan is a
 * read-only look (`flowc status`) and changes still to make are OutOfSync.
 */
export function statusReport(o: { slug: string; branch: string; head: string | undefined; plan: Plan; state: ReconcileState; applied?: boolean }): StatusReport {
  const { state } = o;
  const done = o.applied && !o.plan.refused;
  const items = done ? o.plan.items.filter((i) => i.kind !== 'orphan').map((i) => (CHANGING.has(i.kind) ? { ...i, kind: 'unchanged' as const } : i)) : o.plan.items;
  return {
    slug: o.slug,
    branch: o.branch,
    head: o.head ?? null,
    lastBuild: state.lastBuild ?? null,
    push: { pending: state.push.pending, tags: state.push.tags, lastError: state.push.pending ? (state.push.lastError ?? null) : null, lastAttempt: state.push.lastAttempt ?? null },
    reload: { pending: state.reload.pending, lastError: state.reload.pending ? (state.reload.lastError ?? null) : null, generation: state.reload.generation ?? null },
    lastPass: state.lastPass ?? null,
    refused: o.plan.refused ?? null,
    flows: items
      .filter((i) => i.flowId !== null)
      .map((i) => ({ id: i.flowId!, source: i.source, ...flowStatus(i), inputSha256: i.inputSha256 ?? null, files: i.kind === 'unchanged' ? i.outputs : files(i) })),
  };
}

export interface CheckReport {
  inSync: boolean;
  refused: string | null;
  drift: Array<{ flowId: string | null; source: string; kind: string; files: string[] }>;
  failed: Array<{ flowId: string | null; source: string; reason: string }>;
}

export function checkReport(plan: Plan): CheckReport {
  const drift = plan.items.filter((i) => DRIFT.has(i.kind)).map((i) => ({ flowId: i.flowId, source: i.source, kind: i.kind, files: files(i) }));
  const failed = plan.items.filter((i) => i.kind === 'failed').map((i) => ({ flowId: i.flowId, source: i.source, reason: i.reason ?? 'failed' }));
  return { inSync: drift.length === 0 && failed.length === 0 && !plan.refused, refused: plan.refused ?? null, drift, failed };
}

/** Exit code of `--check`: 0 in sync, 1 drift, 2 error (a flow that cannot be compiled is an error: flowc cannot say what it should be). */
export const checkExit = (r: CheckReport): number => (r.failed.length ? 2 : r.drift.length || r.refused ? 1 : 0);

export interface OnceReport {
  ok: boolean;
  builds: PassResult['builds'];
  changes: Array<{ flowId: string | null; source: string; kind: string; files: string[] }>;
  failed: CheckReport['failed'];
  refused: string | null;
  push: { state: string; detail: string | null };
  reload: { state: string; detail: string | null };
}

export function onceReport(r: PassResult): OnceReport {
  return {
    ok: r.ok,
    builds: r.builds,
    changes: r.plan.items.filter((i) => i.kind !== 'unchanged' && i.kind !== 'failed').map((i) => ({ flowId: i.flowId, source: i.source, kind: i.kind, files: files(i) })),
    failed: r.plan.items.filter((i) => i.kind === 'failed').map((i) => ({ flowId: i.flowId, source: i.source, reason: i.reason ?? 'failed' })),
    refused: r.plan.refused ?? null,
    push: { state: r.push?.state ?? (r.state.push.pending ? 'pending' : 'none'), detail: r.state.push.pending ? (r.state.push.lastError ?? null) : null },
    reload: { state: r.reload.state, detail: r.reload.detail ?? null },
  };
}

/** Human lines for a plan/pass: one per change or failure. */
export function describeItems(plan: Plan): string[] {
  const lines: string[] = [];
  if (plan.refused) lines.push(`refused: ${plan.refused}`);
  let deferred = 0;
  for (const i of plan.items) {
    const who = i.flowId ?? i.source;
    if (i.kind === 'pending' && i.reason === DEFERRED) deferred++;
    else if (i.kind === 'failed') lines.push(`failed      ${who}: ${i.reason}`);
    else if (i.kind !== 'unchanged') lines.push(`${i.kind.padEnd(11)} ${who}${files(i).length ? `: ${files(i).join(', ')}` : ''}`);
    for (const b of i.backups ?? []) lines.push(`kept        ${who}: a hand-edited file flowc removed is kept as ${b}`);
  }
  if (deferred) lines.push(`pending     ${deferred} more flow(s): ${DEFERRED}`);
  return lines;
}
