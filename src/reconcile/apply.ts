/**
 * `apply(plan, deps)`: the only writer of the tenant work tree. Named stages, in order:
 *   guard (secret scan of everything to be staged) → validate (compile + black, in memory) →
 *   write (temp + rename; removals) → smoke (pytest, optional) → record (one commit + one tag).
 * Validate and write run per flow, all flows concurrently: a flow is written once it validates.
 * A flow failing a stage drops out of the build and is reported; the others go on. Any failure
 * before the build is recorded restores every file it touched, so the work tree is never left
 * half-applied. Nothing to do → nothing done (no write, commit or tag).
 */
import { readFile, unlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { bodyIntact, parseHeader, sha256 } from '../codegen/header.js';
import type { GeneratedFile } from '../codegen/types.js';
import { FlowcError } from '../errors.js';
import type { ObjectStore } from '../git/git.js';
import { writeAtomic } from './atomic.js';
import { fault } from './faults.js';
import { CHANGING, type Plan, type PlanItem } from './plan.js';

export interface SecretFindingLike {
  path: string;
  line: number;
  rule: string;
  nodeId?: string;
  field?: string;
}

export interface ApplyDeps {
  root: string;
  slug: string;
  branch: string;
  tagPrefix: string;
  generator: string;
  clock: () => Date;
  /** Tag of the previous build: timestamps only move forward, so tags never collide. */
  lastTag?: string;
  commitBuild: (b: { branch: string; parent: string | undefined; paths: string[]; message: string; tag: { name: string; message: string } }) => Promise<{ commit: string; tag: string } | undefined>;
  head: () => Promise<string | undefined>;
  /** compile + black-clean check of generated files (validate: compile|smoke). */
  check?: (files: GeneratedFile[]) => Promise<Array<{ path: string; error?: string }>>;
  /** Runs the given smoke test files; called after writing (validate: smoke). */
  smoke?: (paths: string[]) => Promise<{ ok: boolean; output: string }>;
  /** Which output paths are smoke tests. */
  isSmokeTest?: (file: string) => boolean;
  scan: (text: string, file: string) => SecretFindingLike[];
  /** Stores written files in git's object database meanwhile, so the record only indexes them. */
  objectStore?: () => ObjectStore;
  /** Test hook: called after the files are written, before the build is recorded. */
  beforeRecord?: () => Promise<void>;
}

export interface Build {
  commit: string;
  tag: string;
  time: string;
  flows: string[];
}

/** Flows written at once (see apply). */
const WRITERS = 8;

/** Where a hand-edited file flowc removes is kept (`flow_x.py` → `flow_x.py.flowc-backup`): not Python, never committed by flowc. */
export const BACKUP_SUFFIX = '.flowc-backup';

export interface ApplyResult {
  /** The plan as run: items that failed a stage are turned into `failed` with the reason. */
  plan: Plan;
  build?: Build;
}

export async function apply(input: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const plan: Plan = { ...input, items: input.items.map((i) => ({ ...i })) };
  if (plan.refused) return { plan };
  const fail = (item: PlanItem, reason: string, kind = 'flow') => {
    Object.assign(item, { kind: 'failed', writes: [], deletes: [], stage: [], reason, error: { kind, message: reason, where: { file: item.source } } });
  };
  const live = () => plan.items.filter((i) => CHANGING.has(i.kind));
  // Temp files of a killed run: never committed (untracked, dot-named); tidied up here.
  for (const t of input.staleTemps ?? []) await unlink(path.join(deps.root, t)).catch(() => {});
  if (live().length === 0) return { plan };

  // guard: nothing with a secret value is ever committed (flow files included). First, so a
  // secret never reaches the validator either, nor a validation error quoting the line.
  for (const item of live()) {
    const findings: SecretFindingLike[] = [];
    for (const w of item.writes) findings.push(...deps.scan(w.content, w.path));
    const onDisk = item.kind === 'uncommitted' ? [...item.stage, ...item.outputs] : item.stage;
    for (const s of onDisk) {
      const text = await readFile(path.join(deps.root, s), 'utf8').catch(() => undefined);
      if (text !== undefined) findings.push(...deps.scan(text, s));
    }
    if (findings.length) {
      const where = findings.map((f) => `${f.path}:${f.line}${f.nodeId ? ` node ${f.nodeId}` : ''}${f.field ? ` field ${f.field}` : ''} (${f.rule})`);
      fail(item, `refusing to commit a secret: ${where.join('; ')} — move the value to an environment variable (load_from_db) and save the flow again`, 'secret');
    }
  }
  if (live().length === 0) return { plan };

  // validate → write, per flow, all flows concurrently: a flow's files are written as soon as
  // they validate, so a burst's writes overlap the checks of the flows still waiting.
  // What was there is remembered first, so a failure before the build is recorded puts it back.
  const before = new Map<string, Buffer | undefined>();
  const restore = async (paths: Iterable<string>) => {
    for (const p of paths) {
      const old = before.get(p);
      const abs = path.join(deps.root, p);
      if (old === undefined) await unlink(abs).catch(() => {});
      else await writeAtomic(abs, old);
    }
  };
  const dirs = new Map<string, Promise<unknown>>();
  // Flows are written a few at a time: each holds a file open, and a burst of hundreds at once
  // ran out of file descriptors (EMFILE) under a low `ulimit -n`.
  // (Loaded here: a pass with nothing to write never loads it.)
  const { default: PQueue } = await import('p-queue');
  const writers = new PQueue({ concurrency: WRITERS });
  let writing: string | undefined;
  let objects: ObjectStore | undefined;
  const write = async (item: PlanItem) => {
    for (const p of [...item.writes.map((w) => w.path), ...item.deletes]) before.set(p, await readFile(path.join(deps.root, p)).catch(() => undefined));
    for (const w of item.writes) {
      const abs = path.join(deps.root, w.path);
      const dir = path.dirname(abs);
      if (!dirs.has(dir)) dirs.set(dir, mkdir(dir, { recursive: true }));
      try {
        await dirs.get(dir);
        await writeAtomic(abs, w.content);
      } catch (err) {
        writing ??= w.path;
        throw err;
      }
    }
    for (const d of item.deletes) {
      // A hand-edited copy (its body no longer what flowc wrote) may exist nowhere else: kept beside it.
      const old = before.get(d);
      const parsed = old && parseHeader(old.toString('utf8'));
      if (old && parsed && !bodyIntact(parsed)) {
        await writeAtomic(path.join(deps.root, `${d}${BACKUP_SUFFIX}`), old);
        (item.backups ??= []).push(`${d}${BACKUP_SUFFIX}`);
      }
      await unlink(path.join(deps.root, d)).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
    }
    (objects ??= deps.objectStore?.())?.add([...item.writes.map((w) => w.path), ...item.stage]);
  };
  const validateThenWrite = async (item: PlanItem) => {
    const files = item.writes.map((w) => ({ path: w.path, content: w.content }));
    if (deps.check && files.length) {
      const bad = (await deps.check(files)).filter((r) => r.error);
      if (bad.length) return fail(item, `generated code does not validate: ${bad.map((r) => `${r.path}: ${r.error}`).join('; ')}`);
    }
    await writers.add(() => write(item));
  };
  try {
    // Settled, not raced: a failed write restores the tree only once no other write is in flight.
    const failed = (await Promise.allSettled(live().map(validateThenWrite))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (live().length === 0) return { plan };

    // smoke: the generated tests of each drifted flow, against a fake model.
    if (deps.smoke && deps.isSmokeTest) {
      const tests = (i: PlanItem) => i.outputs.filter(deps.isSmokeTest!);
      const withTests = live().filter((i) => i.flowId && tests(i).length);
      const all = await deps.smoke(withTests.flatMap(tests));
      if (!all.ok) {
        // Find the culprits one flow at a time (rare path), so one bad flow does not block the rest.
        for (const item of withTests) {
          const r = withTests.length === 1 ? all : await deps.smoke(tests(item));
          if (!r.ok) {
            await restore([...item.writes.map((w) => w.path), ...item.deletes]);
            fail(item, `smoke test failed: ${lastLines(r.output, 8)}`);
          }
        }
      }
    }
    if (live().length === 0) return { plan };
    fault('after-write');
    await deps.beforeRecord?.();
    await objects?.close();

    // record: one commit + one annotated tag, landed together.
    const items = live();
    const ts = stamp(deps.clock(), deps.lastTag?.slice(deps.tagPrefix.length));
    const tag = `${deps.tagPrefix}${ts}`;
    const paths = [...new Set(items.flatMap((i) => [...i.writes.map((w) => w.path), ...i.deletes, ...i.stage, ...i.outputs]))].sort();
    const parent = await deps.head();
    const rec = await deps.commitBuild({ branch: deps.branch, parent, paths, message: commitMessage(deps, ts, items), tag: { name: tag, message: manifest(deps, ts, tag, items) } });
    if (!rec) return { plan };
    return { plan, build: { commit: rec.commit, tag: rec.tag, time: deps.clock().toISOString(), flows: items.map((i) => i.flowId).filter((x): x is string => !!x) } };
  } catch (err) {
    // On a full disk putting the old files back can fail too: the next pass rewrites them.
    const restored = await restore(before.keys()).then(() => true, () => false);
    if (err instanceof FlowcError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const left = restored ? 'the work tree was restored' : 'some files could not be put back yet';
      throw new FlowcError('io', `the disk is full: no space left to write ${writing ?? 'the build'}; ${left} and nothing was committed`, {
        cause: err,
        transient: true,
        ...(writing ? { where: { file: writing } } : {}),
        hint: 'free space on the device that holds the repo (or raise its quota); flowc builds again on the next pass',
      });
    }
    throw new FlowcError('io', `build failed, work tree restored: ${(err as Error).message}`, { cause: err, transient: true });
  } finally {
    await objects?.close();
  }
}

/** `20261125T085306.123Z`, strictly after `after` (same format) so two builds never share a tag. */
export function stamp(now: Date, after?: string): string {
  const fmt = (d: Date) => d.toISOString().replace(/[-:]/g, '');
  let d = now;
  if (after) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(after);
    if (m) {
      const prev = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
      if (d.getTime() <= prev) d = new Date(prev + 1);
    }
  }
  return fmt(d);
}

function verb(i: PlanItem): string {
  if (i.kind === 'orphan') return `remove ${i.flowId ?? i.source} (${i.deletes.length} file(s))`;
  const what = i.flowId ? `${i.flowId} (${i.source})` : `tenant files (${i.source})`;
  const edits = i.writes.filter((w) => w.reason === 'hand-edited').map((w) => w.path);
  return `${i.kind} ${what}${edits.length ? `; hand edits overwritten: ${edits.join(', ')}` : ''}`;
}

export function commitMessage(deps: Pick<ApplyDeps, 'slug' | 'generator'>, ts: string, items: PlanItem[]): string {
  const trailers: string[] = [];
  for (const i of items) {
    if (!i.flowId) continue;
    if (i.kind === 'orphan') trailers.push(`Flow-Removed: ${i.flowId}`);
    else trailers.push(`Flow-Id: ${i.flowId}`, `Flow-Sha256: ${i.inputSha256 ?? ''}`);
  }
  trailers.push(`Generator: ${deps.generator}`);
  return `codegen: ${deps.slug} v${ts}\n\n${items.map(verb).join('\n')}\n\n${trailers.join('\n')}\n`;
}

/** The build manifest (tag message): a summary line, then JSON — flow → input hash → files. */
export function manifest(deps: Pick<ApplyDeps, 'slug' | 'generator'>, ts: string, tag: string, items: PlanItem[]): string {
  const fileHash = (i: PlanItem, p: string) => {
    const w = i.writes.find((x) => x.path === p);
    return w ? (parseHeader(w.content)?.header.outputSha256 ?? sha256(w.content)) : undefined;
  };
  const body = {
    build: tag,
    slug: deps.slug,
    version: ts,
    generator: deps.generator,
    flows: items
      .filter((i) => i.kind !== 'orphan')
      .map((i) => ({ id: i.flowId, source: i.source, action: i.kind, inputSha256: i.inputSha256, sourceSha256: i.sourceSha256, files: i.outputs.map((p) => ({ path: p, outputSha256: fileHash(i, p) ?? null })) })),
    removed: items.filter((i) => i.kind === 'orphan').map((i) => ({ id: i.flowId, source: i.source, files: i.deletes })),
  };
  return `build ${deps.slug} v${ts}: ${items.length} change(s)\n\n${JSON.stringify(body, null, 2)}\n`;
}

const lastLines = (text: string, n: number) => text.trim().split('\n').slice(-n).join(' / ');
