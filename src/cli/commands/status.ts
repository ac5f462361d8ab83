/**
 * `flowc status`: per flow Synced / OutOfSync / Failed / Suspended with the reason, plus the last build and
 * what is waiting to be pushed or reloaded. Read-only (no lock); exit 0 whatever the state.
 */
import { loadConfig, readSuspension } from '../../config/load.js';
import { liveDeps } from '../../reconcile/live.js';
import { runPass } from '../../reconcile/pass.js';
import { statusReport } from '../../reconcile/report.js';

export interface StatusOptions {
  repo: string;
  json?: boolean;
}

export async function run(o: StatusOptions): Promise<number> {
  const config = loadConfig(o.repo, process.env);
  const deps = await liveDeps(config);
  try {
    const r = await runPass(deps, { readOnly: true });
    const s = statusReport({ slug: config.slug, branch: config.branch, head: await deps.git.head(), plan: r.plan, state: r.state });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return 0;
    }
    const lines = [`tenant ${s.slug} on ${s.branch} at ${s.head?.slice(0, 12) ?? '(no commit)'}`];
    lines.push(s.lastBuild ? `last build ${s.lastBuild.tag} (${s.lastBuild.commit.slice(0, 12)}) at ${s.lastBuild.time}: ${s.lastBuild.flows.join(', ') || 'tenant files'}` : 'last build: none');
    if (s.push.pending) lines.push(`push pending: ${s.push.tags.join(', ') || 'branch'}${s.push.lastError ? ` — ${s.push.lastError}` : ''}`);
    if (s.reload.pending) lines.push(`reload pending${s.reload.lastError ? `: ${s.reload.lastError}` : ''}`);
    if (s.refused) lines.push(`refused: ${s.refused}`);
    if (readSuspension(config.repoRoot).all) lines.push('suspended: the whole tenant (flowc.yaml `suspend: true`; `flowc resume` builds again)');
    const width = Math.max(4, ...s.flows.map((f) => f.id.length));
    for (const f of s.flows) lines.push(`${f.id.padEnd(width)}  ${f.reason ? `${f.status.padEnd(9)}  ${f.reason}` : f.status}`);
    if (s.flows.length === 0) lines.push(`no flows in ${config.flowsDir}/`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await deps.close();
  }
}
