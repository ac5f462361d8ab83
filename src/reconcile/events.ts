/**
 * What a pass tells the people who run the tenant: a build, a flow that started failing, a flow
 * that recovered. Each state change is told once: the last state told per flow is kept in
 * state.json (`told`), so a flow that keeps failing is not reported on every pass. Pure.
 */
import type { Build } from './apply.js';
import type { Plan } from './plan.js';

export type Event =
  | { type: 'build'; tag: string; commit: string; flows: string[] }
  | { type: 'failure'; flowId: string; reason: string }
  | { type: 'recovery'; flowId: string };

/** The events of a pass and the states to remember: `told` is flowId → 'failed' | 'ok' as last told. */
export function passEvents(plan: Plan, builds: Build[], told: Readonly<Record<string, string>>): { events: Event[]; told: Record<string, string> } {
  const events: Event[] = builds.map((b) => ({ type: 'build', tag: b.tag, commit: b.commit, flows: b.flows }));
  const next: Record<string, string> = {};
  for (const item of plan.items) {
    if (!item.flowId || item.kind === 'orphan' || item.kind === 'pending' || item.kind === 'suspended') {
      if (item.flowId && told[item.flowId]) next[item.flowId] = told[item.flowId]!;
      continue;
    }
    const now = item.kind === 'failed' ? 'failed' : 'ok';
    if (now === 'failed' && told[item.flowId] !== 'failed') events.push({ type: 'failure', flowId: item.flowId, reason: item.reason ?? 'failed' });
    if (now === 'ok' && told[item.flowId] === 'failed') events.push({ type: 'recovery', flowId: item.flowId });
    next[item.flowId] = now;
  }
  return { events, told: next };
}
