/**
 * `plan(desired, actual)`: pure. What a pass would change, as data you can print
 * (`flowc reconcile --dry-run` prints this value; `apply` runs it). One item per flow (plus one for
 * the tenant-level files and one per vanished flow); only files flowc generated are ever written
 * over or removed.
 */
import { sha256 } from '../codegen/header.js';
import { flowIdOf } from '../codegen/ids.js';
import type { GeneratedFile } from '../codegen/types.js';
import type { Actual } from './actual.js';
import type { Desired, DesiredFlow } from './desired.js';

export type ItemKind = 'create' | 'update' | 'hand-edited' | 'orphan' | 'unchanged' | 'uncommitted' | 'failed' | 'pending' | 'suspended';
export type WriteReason = 'missing' | 'input-changed' | 'hand-edited';

export interface PlanWrite {
  path: string;
  reason: WriteReason;
  content: string;
}

export interface PlanItem {
  kind: ItemKind;
  /** Flow id; null for tenant-level files (source flowc.yaml) and deletions whose flow is unknown. */
  flowId: string | null;
  /** `flows/<id>.json` or `flowc.yaml`. */
  source: string;
  inputSha256?: string;
  sourceSha256?: string;
  writes: PlanWrite[];
  deletes: string[];
  /** Every path this item owns once applied (its outputs), for the memo and the manifest. */
  outputs: string[];
  /** Extra paths committed with the item: the flow file it came from. */
  stage: string[];
  /** Hand-edited files it removed, kept under `<path>.flowc-backup` (apply fills it). */
  backups?: string[];
  /** Why it failed (failed) or is waiting (pending). */
  reason?: string;
  error?: Record<string, unknown>;
}

export interface Plan {
  items: PlanItem[];
  /** Set when the plan is refused as a whole (nothing is applied). */
  refused?: string;
  /** flowc temp files a killed process left in the output dirs; removed by the next build. */
  staleTemps?: string[];
}

export interface PlanOptions {
  /** Allow pruning every output when `flows/` holds no flow at all. */
  allowEmpty?: boolean;
}

/** Why a pending flow waits when the pass already compiled its batch (`batch_flows`). */
export const DEFERRED = 'waiting for the next batch (batch_flows)';

/** True when the pass left flows for the next one because it compiled its batch. */
export const deferredAny = (plan: Plan): boolean => plan.items.some((i) => i.kind === 'pending' && i.reason === DEFERRED);

/** Items that change the repo. */
export const CHANGING: ReadonlySet<ItemKind> = new Set(['create', 'update', 'hand-edited', 'orphan', 'uncommitted']);
/** Items that mean "out of sync" for `--check` (uncommitted is a git matter, not drift). */
export const DRIFT: ReadonlySet<ItemKind> = new Set(['create', 'update', 'hand-edited', 'orphan']);

export function plan(desired: Desired, actual: Actual, options: PlanOptions = {}): Plan {
  const items: PlanItem[] = [];
  const claimed = new Set<string>();
  const sources = new Set<string>(['flowc.yaml']);
  for (const f of desired.flows) sources.add(f.file);

  for (const flow of desired.flows) items.push(flowItem(flow, actual, claimed));
  if (desired.tenant.length) items.push(...tenantItems(desired.tenant, actual, claimed));

  // Orphans: generated files whose source is gone (flow deleted, or the file belongs to no current output).
  const orphans = new Map<string, string[]>();
  for (const f of actual.files.values()) {
    if (!f.header || claimed.has(f.path)) continue;
    const src = f.source!;
    if (sources.has(src) && !(src === 'flowc.yaml' && desired.tenant.length)) continue;
    orphans.set(src, [...(orphans.get(src) ?? []), f.path]);
  }
  for (const d of actual.deletedGenerated) {
    if (claimed.has(d.path) || sources.has(d.source)) continue;
    orphans.set(d.source, [...(orphans.get(d.source) ?? []), d.path]);
  }
  for (const [source, paths] of [...orphans].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const id = /^.*\/([^/]+)\.json$/.exec(source)?.[1] ?? null;
    // A suspended flow's outputs stay, even when its file is gone.
    if (desired.suspension && (desired.suspension.all || (id !== null && desired.suspension.flows.includes(flowIdOf(source))))) continue;
    items.push({ kind: 'orphan', flowId: id, source, writes: [], deletes: paths.sort(), outputs: [], stage: source.endsWith('.json') ? [source] : [] });
  }

  const result: Plan = { items, ...(actual.staleTemps?.length ? { staleTemps: actual.staleTemps } : {}) };
  const generated = [...actual.files.values()].filter((f) => f.source && f.source !== 'flowc.yaml').length;
  if (desired.flows.length === 0 && generated > 0 && !options.allowEmpty) {
    result.refused = `no flow files, but ${generated} generated file(s) exist: refusing to remove every output (pass --allow-empty if that is really meant)`;
  }
  return result;
}

/**
 * The tenant files are one item, but one that a file of the tenant's own already occupies (a
 * conftest.py of theirs where the smoke tests' goes) fails on its own, under its path: the host,
 * the runtime and the rest are still written, so flows rebuilt against a new runtime get it.
 */
function tenantItems(tenant: GeneratedFile[], actual: Actual, claimed: Set<string>): PlanItem[] {
  const theirs = (f: GeneratedFile) => {
    const a = actual.files.get(f.path);
    return a !== undefined && !a.header && !a.generatedAtHead;
  };
  const blocked = tenant.filter(theirs);
  const rest = tenant.filter((f) => !theirs(f));
  const items = rest.length ? [filesItem(null, 'flowc.yaml', headerInput(rest[0]!.content), undefined, rest, actual, claimed, [])] : [];
  for (const f of blocked) {
    const message = `${f.path} exists and was not generated by flowc`;
    const hint = f.path.endsWith('conftest.py')
      ? "move that file away: flowc writes the smoke tests' conftest.py there (fixtures of your own can go in a conftest.py one folder up; pytest loads it for these tests too)"
      : 'move that file away: flowc writes it for every tenant';
    items.push({ flowId: null, source: f.path, outputs: [], ...refusedOverwrite(message, f.path, hint) });
  }
  return items;
}

/** What an item that would overwrite a file flowc did not write becomes: failed, nothing written. */
function refusedOverwrite(message: string, file: string, hint: string): Pick<PlanItem, 'kind' | 'writes' | 'deletes' | 'stage' | 'reason' | 'error'> {
  return { kind: 'failed', writes: [], deletes: [], stage: [], reason: `refusing to overwrite: ${message} — ${hint}`, error: { kind: 'flow', message, where: { file }, hint } };
}

function flowItem(flow: DesiredFlow, actual: Actual, claimed: Set<string>): PlanItem {
  const base = { flowId: flow.id, source: flow.file, writes: [], deletes: [], stage: [] as string[] };
  if (flow.state === 'settling') return { ...base, kind: 'pending', outputs: [], reason: 'being written' };
  if (flow.state === 'deferred') return { ...base, kind: 'pending', outputs: [], reason: DEFERRED };
  if (flow.state === 'suspended') {
    const kept = [...actual.files.values()].filter((f) => f.source === flow.file).map((f) => f.path);
    for (const p of kept) claimed.add(p);
    return { ...base, kind: 'suspended', outputs: kept, reason: 'suspended in flowc.yaml (flowc resume to build it again)' };
  }
  if (flow.state === 'failed') {
    // Keep the last good output: claim it so it is not taken for an orphan.
    const kept = [...actual.files.values()].filter((f) => f.source === flow.file).map((f) => f.path);
    for (const p of kept) claimed.add(p);
    return { ...base, kind: 'failed', sourceSha256: flow.sourceSha256, outputs: kept, reason: flow.error.describe(), error: flow.error.toJSON() };
  }
  if (flow.state === 'fast') {
    for (const p of flow.paths) claimed.add(p);
    const dirty = flow.paths.some((p) => actual.dirty.has(p));
    return { ...base, kind: dirty ? 'uncommitted' : 'unchanged', inputSha256: flow.inputSha256, sourceSha256: flow.sourceSha256, outputs: flow.paths, stage: dirty ? [flow.file] : [] };
  }
  return filesItem(flow.id, flow.file, flow.inputSha256, flow.sourceSha256, flow.files, actual, claimed, [flow.file]);
}

/** Compare expected files with the work tree: which to write, which stale ones of this source to remove. */
function filesItem(
  flowId: string | null,
  source: string,
  inputSha256: string | undefined,
  sourceSha256: string | undefined,
  files: GeneratedFile[],
  actual: Actual,
  claimed: Set<string>,
  stage: string[],
): PlanItem {
  const writes: PlanWrite[] = [];
  const conflicts: string[] = [];
  let existing = 0;
  for (const file of files) {
    claimed.add(file.path);
    const a = actual.files.get(file.path);
    if (!a) {
      writes.push({ path: file.path, reason: 'missing', content: file.content });
      continue;
    }
    if (!a.header) {
      if (a.generatedAtHead) writes.push({ path: file.path, reason: 'hand-edited', content: file.content });
      else conflicts.push(`${file.path} exists and was not generated by flowc`);
      existing++;
      continue;
    }
    if (a.source !== source) {
      conflicts.push(`${file.path} is generated from ${a.source}`);
      continue;
    }
    existing++;
    if (!a.intact) writes.push({ path: file.path, reason: 'hand-edited', content: file.content });
    else if (a.header.inputSha256 !== headerInput(file.content)) writes.push({ path: file.path, reason: 'input-changed', content: file.content });
  }
  const expected = new Set(files.map((f) => f.path));
  const deletes = [...actual.files.values()].filter((f) => f.source === source && !expected.has(f.path)).map((f) => f.path);
  for (const d of actual.deletedGenerated) if (d.source === source && !expected.has(d.path)) deletes.push(d.path);
  for (const p of deletes) claimed.add(p);
  const outputs = files.map((f) => f.path);
  const common = { flowId, source, inputSha256, sourceSha256, outputs };
  if (conflicts.length) return { ...common, ...refusedOverwrite(conflicts.join('; '), source, 'move that file away, or change the flow id') };
  const kind = writes.length === 0 && deletes.length === 0
    ? outputs.some((p) => actual.dirty.has(p)) ? 'uncommitted' : 'unchanged'
    : existing === 0 ? 'create' : writes.every((w) => w.reason === 'hand-edited') && deletes.length === 0 ? 'hand-edited' : 'update';
  const staged = kind === 'unchanged' ? [] : stage;
  return { ...common, kind, writes: writes.sort((a, b) => (a.path < b.path ? -1 : 1)), deletes: deletes.sort(), stage: staged };
}

/** input-sha256 from a generated file's header line, without a full parse. */
function headerInput(content: string): string | undefined {
  return /input-sha256=([0-9a-f]{64})/.exec(content.slice(0, 600))?.[1];
}

/** The plan as printed by `--dry-run --json`: file contents replaced by their sha256. */
export function printable(p: Plan): unknown {
  return {
    ...(p.refused ? { refused: p.refused } : {}),
    ...(p.staleTemps ? { staleTemps: p.staleTemps } : {}),
    items: p.items.map((i) => ({ ...i, writes: i.writes.map((w) => ({ path: w.path, reason: w.reason, sha256: sha256(w.content) })) })),
  };
}
