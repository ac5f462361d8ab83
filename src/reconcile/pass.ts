/**
 * One reconcile pass, the Flux way: re-read the whole state, then named stages in order —
 * read → plan → apply → publish → reload — each failure recording one reason; status is written
 * once, at the end. `--once`, `--check`, `--dry-run` and every watch-mode trigger run this.
 */
import path from 'node:path';
import type { TenantOptions } from '../codegen/tenant.js';
import type { CompileOptions, CompileResult, GeneratedFile } from '../codegen/types.js';
import { readSuspension } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { FlowcError, isFlowcError, type ErrorKind } from '../errors.js';
import type { Git } from '../git/git.js';
import { log } from '../log.js';
import { currentTraceId, inSpan } from '../telemetry/tracing.js';
import { readActual } from './actual.js';
import { fault, faultArmed } from './faults.js';
import { apply, type ApplyDeps, type Build, type SecretFindingLike } from './apply.js';
import { passEvents, type Event } from './events.js';
import { compileOptionsKey, readDesired, type Memo } from './desired.js';
import { plan as makePlan, CHANGING, deferredAny, type Plan, type PlanItem } from './plan.js';
import { moveOntoRemote, push, type PushStatus } from './push.js';
import { StatCache } from './statcache.js';
import { readMemo, readState, stateDir, writeMemo, writeState, type ReconcileState } from './state.js';

/** Everything with a side effect comes in here (STYLE habit 3); the CLI passes the real ones. */
export interface PassDeps {
  config: Config;
  git: Git;
  gitDir: string;
  compileFlow: (source: Uint8Array, options: CompileOptions) => CompileResult;
  compileTenant?: (options: TenantOptions) => GeneratedFile[];
  generatorDigest: string;
  /** See DesiredDeps: load the compiler on first need; recognise the host without rendering it. */
  prepare?: () => Promise<void>;
  tenantInputs?: (options: TenantOptions) => Array<{ path: string; inputSha256: string }>;
  scan: (text: string, file: string) => SecretFindingLike[];
  check?: ApplyDeps['check'];
  /** Starts checking a flow's files as soon as it is compiled; `check` then answers from it, so the checkers work while the next flows compile. */
  precheck?: (files: GeneratedFile[]) => void;
  smoke?: ApplyDeps['smoke'];
  reload?: (o: { url: string; token: string; expectedCommit?: string; traceparent?: string; retries?: number }) => Promise<{ generation: number }>;
  /** Posts a pass's builds, failures and recoveries (notify/send.ts); unset: nobody is told. */
  notify?: (slug: string, events: Event[]) => Promise<void>;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Test hook, see ApplyDeps. */
  beforeRecord?: () => Promise<void>;
}

export interface PassOptions {
  /** Compute and return the plan; change nothing. */
  readOnly?: boolean;
  allowEmpty?: boolean;
  /** Flow files still being written (watch mode). */
  settling?: ReadonlySet<string>;
  /** Attempts at push → rebuild on a moved remote (default 5). */
  pushAttempts?: number;
  /** Someone else pushed (POST /hooks/push): fetch first, and move onto the remote tip if it moved. */
  pull?: boolean;
  /** Flows read (and compiled when they drifted) so far, of all: watch mode shows it while a burst is built. */
  onProgress?: (done: number, total: number) => void;
}

export interface PassResult {
  plan: Plan;
  builds: Build[];
  push: PushStatus | undefined;
  reload: { state: 'none' | 'reloaded' | 'pending'; detail?: string; generation?: number };
  state: ReconcileState;
  /** Converged: nothing failed, nothing refused, nothing left pending. */
  ok: boolean;
  /** Trace id of this pass's `reconcile` span (tracing on), for log lines written after it. */
  traceId?: string;
}

export async function readPlan(deps: PassDeps, options: PassOptions, memo: Memo, cache?: StatCache): Promise<Plan> {
  const { config, git } = deps;
  const actual = await readActual(config, { changedPaths: (p) => git.changedPaths(p), showHead: (f) => git.show('HEAD', f), ...(cache ? { cache } : {}) });
  const desired = await readDesired(config, actual, {
    compileFlow: deps.compileFlow,
    compileTenant: deps.compileTenant,
    generatorDigest: deps.generatorDigest,
    prepare: deps.prepare,
    tenantInputs: deps.tenantInputs,
    memo,
    settling: options.settling,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(deps.precheck && !options.readOnly && config.validate !== 'none' ? { onCompiled: deps.precheck } : {}),
    // Read afresh: `flowc suspend` (an edit of flowc.yaml) acts on the next pass.
    suspension: readSuspension(config.repoRoot),
    ...(cache ? { cache } : {}),
  });
  return makePlan(desired, actual, { allowEmpty: options.allowEmpty });
}

export function runPass(deps: PassDeps, options: PassOptions = {}): Promise<PassResult> {
  const { config } = deps;
  return inSpan('reconcile', { tenant: config.slug, stack_port: config.stackPort, 'openinference.span.kind': 'CHAIN' }, async (span) => {
    const clock = deps.clock ?? (() => new Date());
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const state = await readState(deps.gitDir);
    const memo = await readMemo(deps.gitDir);
    const cache = await StatCache.load(path.join(stateDir(deps.gitDir), 'statcache.json'));
    // A remote that cannot be reached now leaves the pass to converge locally; the push retries.
    if (options.pull && !options.readOnly) await pullRemote(deps, state).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'fetching the tenant branch failed; converging on what is here'));
    let plan = await readPlan(deps, options, memo, cache);
    const builds: Build[] = [];
    const traceId = currentTraceId();
    if (!options.readOnly) fault('after-render');
    if (options.readOnly) return { plan, builds, push: undefined, reload: { state: 'none' }, state, ok: !plan.refused, ...(traceId ? { traceId } : {}) };

    let pushStatus: PushStatus | undefined;
    let passError: FlowcError | undefined;
    let reload: PassResult['reload'] = { state: 'none' };
    const attempts = options.pushAttempts ?? 5;
    // A recorded build's index update runs beside its push; settled before anything else.
    let inLine: Promise<void> | undefined;
    const indexInLine = async () => {
      const settling = inLine;
      inLine = undefined;
      await settling;
    };
    const stages = async (): Promise<void> => {
      try {
        const branch = await deps.git.currentBranch();
        if (branch !== config.branch) {
          throw new FlowcError('git', `the repo is on ${branch ? `branch ${branch}` : 'a detached HEAD'}, but flowc builds on ${config.branch}`, {
            where: { file: config.repoRoot },
            hint: `git switch ${config.branch} (or set branch: in flowc.yaml)`,
          });
        }
        for (let attempt = 1; ; attempt++) {
          const applied = await apply(plan, applyDeps(deps, clock, state, (settling) => (inLine = settling)));
          plan = applied.plan;
          if (applied.build) {
            fault('after-tag');
            builds.push(applied.build);
            span.setAttribute('build.tag', applied.build.tag);
            state.lastBuild = applied.build;
            state.push = { ...state.push, pending: true, tags: [...state.push.tags, applied.build.tag] };
            state.reload = { ...state.reload, pending: true, commit: applied.build.commit };
          }
          updateMemo(memo, plan, deps);
          if (!state.push.pending) {
            await indexInLine();
            break;
          }
          fault('before-push');
          pushStatus = await inSpan('git.push', { tenant: config.slug }, () => push(deps.git, config.remote, config.branch, state.push.tags));
          await indexInLine();
          state.push.lastAttempt = clock().toISOString();
          if (pushStatus.state === 'pushed' || pushStatus.state === 'no-remote') {
            state.push = { pending: false, tags: [] };
            break;
          }
          if (pushStatus.state === 'pending') {
            state.push.lastError = /Authentication failed|could not read Username|\b40[13]\b/i.test(pushStatus.detail)
              ? `the remote refused the credentials (check GIT_TOKEN / GIT_TOKEN_FILE): ${pushStatus.detail}`
              : `remote unreachable: ${pushStatus.detail}`;
            break;
          }
          // rejected: the remote moved. Move onto its tip, carry our flow changes, regenerate there.
          state.push.lastError = `remote moved: ${pushStatus.detail}`;
          if (attempt >= attempts) break;
          await sleep(Math.min(5000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
          await moveOntoRemote(deps.git, { root: config.repoRoot, remote: config.remote, branch: config.branch, tagPrefix: config.tagPrefix, flowsDir: config.flowsDir, pendingTags: state.push.tags });
          state.push = { ...state.push, tags: [] };
          plan = await readPlan(deps, options, memo, cache);
        }
      } catch (err) {
        await indexInLine().catch(() => {}); // the error above is the one to tell
        passError = isFlowcError(err) ? err : new FlowcError('io', (err as Error).message ?? String(err), { cause: err });
      }
      reload = await reloadStage(deps, state, clock);
    };

    // Tracing (DESIGN §6): one `codegen.<slug>` span per flow built or failed, child of `reconcile`.
    // A build is one commit, so its git.commit / git.push / langserve.reload spans nest under the
    // first flow actually built (the usual pass builds one), never under a failed one; a build of
    // tenant files only (app/server.py, the runtime) gets a codegen span of its own. The other
    // flows' spans follow as siblings.
    const traced = plan.items.filter((i) => i.flowId && (CHANGING.has(i.kind) || i.kind === 'failed'));
    const tenantOnly = plan.items.find((i) => !i.flowId && i.source === 'flowc.yaml' && CHANGING.has(i.kind));
    const lead = traced.find((i) => i.kind !== 'failed') ?? tenantOnly ?? traced[0];
    const others = traced.filter((i) => i !== lead);
    const codegen = (item: PlanItem, work: () => Promise<void>) =>
      inSpan(
        `codegen.${config.slug}`,
        { tenant: config.slug, stack_port: config.stackPort, 'flow.id': item.flowId ?? undefined, 'flow.input_sha256': item.inputSha256, 'flow.action': item.kind, 'openinference.span.kind': 'CHAIN' },
        async (cg) => {
          await work();
          const now = plan.items.find((i) => i.flowId === item.flowId);
          const built = builds.find((b) => item.flowId && b.flows.includes(item.flowId));
          if (built) cg.setAttribute('build.tag', built.tag);
          if (now?.kind === 'failed') cg.recordError(new FlowcError(String(now.error?.kind ?? 'flow') as ErrorKind, now.reason ?? 'failed', { where: { file: now.source } }));
          else if (passError) cg.recordError(passError);
        },
      );
    if (lead) await codegen(lead, stages);
    else await stages();
    for (const item of others) await codegen(item, async () => {});
    recordFailures(state, plan, clock);
    // A pass with failed flows (or refused) is an error on its trace too, not UNSET.
    const failedFlows = plan.items.filter((i) => i.kind === 'failed').length;
    if (!passError && (failedFlows || plan.refused)) span.recordError(new FlowcError('flow', plan.refused ?? `${failedFlows} flow(s) failed`));
    state.lastPass = { time: clock().toISOString(), ok: !passError && !plan.refused, ...(plan.refused ? { refused: plan.refused } : {}), ...(passError ? { error: passError.describe() } : {}) };
    if (!passError) {
      // Each state change told once: what was told is remembered with the state.
      const { events, told } = passEvents(plan, builds, state.told ?? {});
      state.told = told;
      if (deps.notify) await deps.notify(config.slug, events);
    }
    await writeMemo(deps.gitDir, memo);
    await writeState(deps.gitDir, state);
    await cache.save();
    if (passError) throw passError;
    const failed = plan.items.some((i) => i.kind === 'failed') || !!plan.refused || deferredAny(plan);
    const ok = !failed && !state.push.pending && !state.reload.pending;
    return { plan, builds, push: pushStatus, reload, state, ok, ...(traceId ? { traceId } : {}) };
  });
}

function applyDeps(deps: PassDeps, clock: () => Date, state: ReconcileState, recorded: (inLine: Promise<void>) => void): ApplyDeps {
  const { config, git } = deps;
  return {
    root: config.repoRoot,
    slug: config.slug,
    branch: config.branch,
    tagPrefix: config.tagPrefix,
    generator: deps.generatorDigest,
    clock,
    lastTag: state.lastBuild?.tag,
    commitBuild: async (b) => {
      // Intent first: a crash between the ref update and the end of the pass must not lose the
      // push or the reload of this build (both are retried from state.json on the next start).
      await writeState(deps.gitDir, { ...state, push: { ...state.push, pending: true, tags: [...state.push.tags, b.tag.name] }, reload: { ...state.reload, pending: true } });
      const rec = await inSpan('git.commit', { tenant: config.slug, 'build.tag': b.tag.name }, () => git.commitBuild({ ...b, beforeRefs: () => fault('after-commit') }));
      if (rec) recorded(rec.inLine);
      return rec;
    },
    head: () => git.head(),
    objectStore: () => git.objectStore(),
    check: config.validate === 'none' ? undefined : deps.check,
    smoke: config.validate === 'smoke' ? deps.smoke : undefined,
    isSmokeTest: (p) => p.startsWith(`${config.testsDir}/`),
    scan: deps.scan,
    beforeRecord: deps.beforeRecord,
  };
}

/**
 * Fetches the tenant branch and, when the remote holds commits we do not, moves onto its tip as
 * after a rejected push (our unpublished builds are regenerated there, our unpublished flow saves
 * carried over). Nothing to do when there is no remote or the remote holds nothing new.
 */
async function pullRemote(deps: PassDeps, state: ReconcileState): Promise<void> {
  const { config, git } = deps;
  if (!(await git.hasRemote(config.remote))) return;
  const tip = await inSpan('git.fetch', { tenant: config.slug }, () => git.fetch(config.remote, config.branch, config.tagPrefix));
  const head = await git.head();
  if (!tip || !head || (await git.mergeBase(head, tip)) === tip) return;
  await moveOntoRemote(git, { root: config.repoRoot, remote: config.remote, branch: config.branch, tagPrefix: config.tagPrefix, flowsDir: config.flowsDir, pendingTags: state.push.tags });
  state.push = { ...state.push, tags: [] };
}

/**
 * Tells every configured host (replicas: several URLs) to serve the build. A host that cannot be
 * reached keeps the reload pending, retried on later passes; a replica that follows the tenant
 * remote (FLOWC_HOST_FOLLOW) also catches up on its own.
 */
async function reloadStage(deps: PassDeps, state: ReconcileState, clock: () => Date): Promise<PassResult['reload']> {
  const { urls, token } = deps.config.langserve;
  if (!state.reload.pending) return { state: 'none' };
  if (urls.length === 0 || !deps.reload) {
    state.reload = { pending: false };
    return { state: 'none' };
  }
  state.reload.lastAttempt = clock().toISOString();
  const one = (url: string) =>
    // The host continues the trace under this span (its langserve.restart span).
    inSpan('langserve.reload', { tenant: deps.config.slug, 'url.full': url, 'openinference.span.kind': 'TOOL' }, async (span) => {
      const traceparent = span.traceparent();
      const reloading = deps.reload!({ url, token: token ?? '', ...(state.reload.commit ? { expectedCommit: state.reload.commit } : {}), ...(traceparent ? { traceparent } : {}) });
      // Fault injection: die with the request on the wire (the host may or may not see it).
      if (faultArmed('during-reload')) await new Promise((res) => setTimeout(res, 100)).then(() => fault('during-reload'));
      return reloading;
    });
  const results = await Promise.allSettled(urls.map(one));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ url: urls[i]!, err: r.reason as unknown }] : []));
  if (failed.length === 0) {
    const generation = Math.max(...results.map((r) => (r.status === 'fulfilled' ? r.value.generation : 0)));
    state.reload = { pending: false, generation, ...(state.reload.commit ? { commit: state.reload.commit } : {}) };
    return { state: 'reloaded', generation };
  }
  const describe = (err: unknown) => (isFlowcError(err) ? err.describe() : (err as Error).message);
  const detail = failed.map((f) => (urls.length > 1 ? `${f.url}: ${describe(f.err)}` : describe(f.err))).join('; ');
  state.reload.lastError = detail;
  return { state: 'pending', detail };
}

function updateMemo(memo: Memo, plan: Plan, deps: PassDeps): void {
  const options = compileOptionsKey(deps.config);
  const seen = new Set<string>();
  for (const i of plan.items) {
    if (!i.flowId || i.kind === 'orphan' || i.kind === 'pending' || i.kind === 'suspended') {
      if (i.flowId) seen.add(i.flowId);
      continue;
    }
    seen.add(i.flowId);
    if (i.kind === 'failed' || !i.inputSha256 || !i.sourceSha256) {
      delete memo[i.flowId];
      continue;
    }
    memo[i.flowId] = { sourceSha256: i.sourceSha256, generator: deps.generatorDigest, options, inputSha256: i.inputSha256, files: [...i.outputs].sort() };
  }
  for (const id of Object.keys(memo)) if (!seen.has(id)) delete memo[id];
}

function recordFailures(state: ReconcileState, plan: Plan, clock: () => Date): void {
  const failures: ReconcileState['failures'] = {};
  for (const i of plan.items) {
    if (i.kind !== 'failed') continue;
    const key = i.flowId ?? i.source;
    const prev = state.failures[key];
    const reason = i.reason ?? 'failed';
    failures[key] = { reason, kind: String(i.error?.kind ?? 'flow'), since: prev?.reason === reason ? prev.since : clock().toISOString(), ...(i.sourceSha256 ? { sourceSha256: i.sourceSha256 } : {}) };
  }
  state.failures = failures;
}

export { CHANGING };
