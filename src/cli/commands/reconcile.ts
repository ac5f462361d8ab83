/**
 * `flowc reconcile`: watch mode by default; `--once` (0 converged, 1 failed), `--check`
 * (read-only: 0 in sync, 1 drift, 2 error), `--dry-run` (prints the plan `apply` would run).
 */
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { isFlowcError } from '../../errors.js';
import { log } from '../../log.js';
import { liveDeps } from '../../reconcile/live.js';
import { acquireLock } from '../../reconcile/lock.js';
import { runPass } from '../../reconcile/pass.js';
import { deferredAny, printable } from '../../reconcile/plan.js';
import { startTelemetry } from '../../telemetry/tracing.js';
import { checkExit, checkReport, describeItems, onceReport } from '../../reconcile/report.js';

export interface ReconcileOptions {
  repo: string;
  once?: boolean;
  check?: boolean;
  dryRun?: boolean;
  json?: boolean;
  allowEmpty?: boolean;
  listen?: string | false;
}

const out = (s: string) => process.stdout.write(`${s}\n`);

export async function run(o: ReconcileOptions): Promise<number> {
  if (o.check) {
    try {
      return await check(o);
    } catch (err) {
      process.stderr.write(`flowc: ${isFlowcError(err) ? err.describe() : (err as Error).message}\n`);
      return 2;
    }
  }
  const config = loadConfig(o.repo, process.env);
  // Loads OpenTelemetry only when a collector is configured (config telemetry.* or OTEL_*).
  if (!o.dryRun && (await startTelemetry(config.telemetry, { projectName: config.slug })) && config.stackPort === undefined) {
    log.warn({ event: 'telemetry.no_stack_port' }, 'tracing without stack_port: codegen spans cannot say which stack they built for; set stack_port in flowc.yaml (or FLOWC_STACK_PORT)');
  }
  if (!o.once && !o.dryRun) {
    const [{ watch }, { createMetrics }] = await Promise.all([import('../../reconcile/reconciler.js'), import('../../http/metrics.js')]);
    const metrics = createMetrics();
    const listen = o.listen === undefined ? config.webhook.listen : o.listen;
    return watch(config, { allowEmpty: !!o.allowEmpty, listen }, {
      metrics,
      startHttp: async (ctl) => {
        if (listen === false) return undefined;
        const [{ startHttpServer }, { webhookAuthFromEnv }, { createGit }] = await Promise.all([import('../../http/server.js'), import('../../http/auth.js'), import('../../git/git.js')]);
        const gitDir = await createGit({ cwd: config.repoRoot }).gitDir();
        return startHttpServer({
          // Beside state.json: delivered webhook ids survive a restart (no replay after one).
          replayFile: path.join(gitDir, 'flowc', 'webhook-ids'),
          listen,
          flowsDir: path.join(config.repoRoot, config.flowsDir),
          poke: (flowId: string) => ctl.poke(flowId),
          admit: () => ctl.admit(),
          status: () => ctl.status(),
          ready: async () => (await import('../../http/ready.js')).readinessFromStatus(ctl.status()),
          auth: webhookAuthFromEnv(process.env, config.webhook),
          metrics,
          secrets: config.secrets,
          push: { secret: process.env.FLOWC_PUSH_SECRET || undefined, branch: config.branch, pull: () => ctl.pull() },
          ui: {
            tokens: [process.env.FLOWC_VIEWER_TOKEN, config.webhook.apiKey ?? process.env.BLD_KEY],
            status: () => ctl.status(),
            load: () => ctl.load(),
            subscribe: (listener) => ctl.subscribe(listener),
            builds: async () => (await import('../../reconcile/audit.js')).readAudit(createGit({ cwd: config.repoRoot }), config.tagPrefix),
          },
        });
      },
    });
  }
  const deps = await liveDeps(config);
  try {
    if (o.dryRun) {
      const r = await runPass(deps, { readOnly: true, allowEmpty: !!o.allowEmpty });
      if (o.json) out(JSON.stringify(printable(r.plan), null, 2));
      else out(describeItems(r.plan).join('\n') || 'in sync: nothing to do');
      return 0;
    }
    const lock = await acquireLock(deps.gitDir, 30_000, { deferToWatcher: true });
    if ('watcher' in lock) {
      // A `git pull` hook must not hang behind a watcher that sees the same change and builds it.
      out(`a flowc watcher (pid ${lock.watcher.pid}) is reconciling this repo; it picks the change up`);
      return 0;
    }
    try {
      let r: Awaited<ReturnType<typeof runPass>>;
      const builds: typeof r.builds = [];
      // A first build larger than batch_flows goes in batches, one pass (and build) each.
      for (;;) {
        try {
          r = await runPass(deps, { allowEmpty: !!o.allowEmpty });
        } catch (err) {
          // A pass that fails as a whole still answers --json, with the same error shape as a flow's.
          if (o.json && isFlowcError(err)) {
            out(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2));
            return err.kind === 'usage' || err.kind === 'config' ? 2 : 1; // as without --json (main.ts)
          }
          throw err;
        }
        builds.push(...r.builds);
        const more = deferredAny(r.plan) && r.builds.length > 0;
        if (!o.json) {
          for (const line of describeItems(r.plan)) if (!more || !line.startsWith('pending ')) out(line);
          for (const b of r.builds) {
            const names = b.flows.length > 10 ? `${b.flows.slice(0, 10).join(', ')} and ${b.flows.length - 10} more` : b.flows.join(', ');
            out(`built ${b.tag} (${b.commit.slice(0, 12)}): ${names || 'tenant files'}`);
          }
        }
        if (!more) break;
      }
      r = { ...r, builds };
      const rep = onceReport(r);
      if (o.json) out(JSON.stringify(rep, null, 2));
      else {
        if (rep.push.state === 'pending') out(`push pending (retried on the next pass): ${rep.push.detail}`);
        if (rep.reload.state === 'pending') out(`reload pending: ${rep.reload.detail}`);
        if (r.ok && r.builds.length === 0) out('in sync');
      }
      return r.ok ? 0 : 1;
    } finally {
      await lock.release();
    }
  } finally {
    await deps.close();
  }
}

async function check(o: ReconcileOptions): Promise<number> {
  const deps = await liveDeps(loadConfig(o.repo, process.env));
  try {
    const r = await runPass(deps, { readOnly: true, allowEmpty: !!o.allowEmpty });
    const rep = checkReport(r.plan);
    if (o.json) out(JSON.stringify(rep, null, 2));
    else {
      for (const d of rep.drift) out(`drift  ${d.kind.padEnd(11)} ${d.flowId ?? d.source}: ${d.files.join(', ')}`);
      for (const f of rep.failed) out(`error  ${f.flowId ?? f.source}: ${f.reason}`);
      if (rep.refused) out(`refused: ${rep.refused}`);
      if (rep.inSync) out('in sync');
    }
    return checkExit(rep);
  } finally {
    await deps.close();
  }
}
