/**
 * The desired state: every `flows/*.json` and what flowc would generate from it. The common case
 * is "nothing changed", so an untouched flow is recognised from its raw bytes' hash and the
 * generator digest (in the generated headers, or in the memo when a layout-only edit left the
 * header's source hash behind) without parsing it (DESIGN §5 fast path). Everything else is
 * compiled; a bad flow becomes a `failed` entry and never stops the others.
 */
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../codegen/header.js';
import { COMPONENTS_DIR, flowIdOf, moduleIdOf } from '../codegen/ids.js';
import type { TenantOptions } from '../codegen/tenant.js';
import type { CompileOptions, CompileResult, GeneratedFile } from '../codegen/types.js';
import type { Config, Suspension } from '../config/schema.js';
import { FlowcError, isFlowcError } from '../errors.js';
import { findShapes } from '../guard/rules.js';
import { progress } from '../log.js';
import { configuredCollectors } from '../telemetry/targets.js';
import { inspect, type Actual } from './actual.js';
import type { StatCache } from './statcache.js';

export interface MemoEntry {
  sourceSha256: string;
  generator: string;
  options: string;
  inputSha256: string;
  files: string[];
}
export type Memo = Record<string, MemoEntry>;

interface Base {
  id: string;
  /** Repo-relative flow file, e.g. `flows/abc.json`. */
  file: string;
}
export type DesiredFlow =
  | (Base & { state: 'fast'; sourceSha256: string; inputSha256: string; paths: string[] })
  | (Base & { state: 'built'; sourceSha256: string; inputSha256: string; files: GeneratedFile[]; name: string; warnings: string[]; endpoint?: string })
  | (Base & { state: 'failed'; sourceSha256: string; error: FlowcError })
  /** Being written right now (watch mode): left alone this pass. */
  | (Base & { state: 'settling' })
  /** To compile, but this pass already compiled its batch (`batch_flows`): left for the next pass. */
  | (Base & { state: 'deferred' })
  /** Suspended in flowc.yaml: neither built nor pruned. */
  | (Base & { state: 'suspended' });

export interface Desired {
  flows: DesiredFlow[];
  /** Tenant-level files (`app/server.py`, the flows' runtime), source `flowc.yaml`. */
  tenant: GeneratedFile[];
  /** What flowc.yaml suspends: its outputs stay, even those of a flow whose file is gone. */
  suspension?: Suspension;
}

export interface DesiredDeps {
  compileFlow: (source: Uint8Array, options: CompileOptions) => CompileResult;
  compileTenant?: (options: TenantOptions) => GeneratedFile[];
  generatorDigest: string;
  memo?: Memo;
  /** Flow files (repo-relative) still being written; skipped this pass. */
  settling?: ReadonlySet<string>;
  /** Loads what compileFlow/compileTenant run on, before their first call: a pass that recognises everything never loads the compiler. */
  prepare?: () => Promise<void>;
  /** The tenant files' paths and input hashes without rendering them (codegen/tenant.ts): intact files of those hashes are recognised. */
  tenantInputs?: (options: TenantOptions) => Array<{ path: string; inputSha256: string }>;
  /** What the last pass read, by stat: an unchanged flow file is not read again. */
  cache?: StatCache;
  /** flowc.yaml's `suspend` as the pass read it. */
  suspension?: Suspension;
  /** Called with a flow's files as soon as it compiles (validation starts early: live.ts). */
  onCompiled?: (files: GeneratedFile[]) => void;
  /** Called after each flow is read (and compiled when it drifted): a long pass shows progress. */
  onProgress?: (done: number, total: number) => void;
}

/** `flows/My-Flow.json` → `my_flow`: the Python module id, as the compiler derives it. */
const moduleOf = (file: string): string => moduleIdOf(flowIdOf(file));

/** Options that change the output: part of the memo key. */
export const compileOptionsKey = (config: Pick<Config, 'slug' | 'outputDir' | 'testsDir' | 'secrets' | 'customComponents'>): string =>
  sha256(JSON.stringify([config.slug, config.outputDir, config.testsDir, config.secrets, config.customComponents]));

/** A flow file larger than this is refused unread (LangFlow exports are well under 5 MB). */
export const MAX_FLOW_BYTES = 20 * 1024 * 1024;

/** Why `file` is not read at all: not a regular file (symlink, FIFO, directory) or too large. */
function unreadable(st: Stats | undefined, file: string): FlowcError | undefined {
  if (!st) return undefined; // deleted mid-scan: the read below says so
  const refuse = (what: string, hint: string) => new FlowcError('flow', `${file}: ${what}`, { where: { file }, hint });
  // A link may point outside the repo (and git would commit the link, not the flow); a FIFO blocks a read for ever.
  if (st.isSymbolicLink()) return refuse('is a symbolic link; flowc reads only regular files in the flows directory', 'replace the link with a copy of the flow export');
  if (!st.isFile()) return refuse('is not a regular file', 'remove it; flows/ holds LangFlow exports (<id>.json) only');
  if (st.size > MAX_FLOW_BYTES) return refuse(`is ${(st.size / 1048576).toFixed(1)} MB, more than the ${MAX_FLOW_BYTES / 1048576} MB flowc compiles`, 'export the flow again without embedded files or data');
  return undefined;
}

/**
 * Flow ids that become the same Python module (`My-Flow` and `my_flow` → `my_flow`) would write
 * the same files, the last one silently winning: each of them fails instead, naming the others,
 * and keeps its last good output.
 */
function moduleClashes(files: string[]): Map<string, FlowcError> {
  const byModule = new Map<string, string[]>();
  for (const f of files) {
    const mid = moduleOf(f);
    byModule.set(mid, [...(byModule.get(mid) ?? []), f]);
  }
  const clashes = new Map<string, FlowcError>();
  for (const [mid, group] of byModule) {
    if (group.length < 2) continue;
    for (const f of group) {
      const others = group.filter((g) => g !== f).join(', ');
      clashes.set(f, new FlowcError('flow', `${f}: its id compiles to the same Python module (${mid}) as ${others}`, { where: { file: f }, hint: 'rename one of the flow files so the ids differ in more than case and punctuation' }));
    }
  }
  return clashes;
}

export async function listFlowFiles(config: Pick<Config, 'repoRoot' | 'flowsDir'>): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(path.join(config.repoRoot, config.flowsDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort().map((n) => `${config.flowsDir}/${n}`);
}

/**
 * The flows, output and tests folders must be real folders of the repo: git commits nothing
 * "beyond a symbolic link" (the pass would fail at `git add` with git's own words), and a link
 * may lead outside the repo.
 */
function refuseLinkedFolders(config: Config): void {
  for (const [key, rel] of [['flows_dir', config.flowsDir], ['output_dir', config.outputDir], ['tests_dir', config.testsDir]] as const) {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (lstatSync(path.join(config.repoRoot, sub), { throwIfNoEntry: false })?.isSymbolicLink()) {
        throw new FlowcError('config', `${sub} (${key}) is a symbolic link; git commits nothing beyond one`, {
          where: { file: path.join(config.repoRoot, sub), field: key },
          hint: `replace the link with the folder itself (mv the target's contents into ${sub})`,
        });
      }
    }
  }
}

export async function readDesired(config: Config, actual: Actual, deps: DesiredDeps): Promise<Desired> {
  refuseLinkedFolders(config);
  const optionsKey = compileOptionsKey(config);
  const bySource = new Map<string, string[]>();
  for (const f of actual.files.values()) if (f.source) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.path]);

  const files = await listFlowFiles(config);
  const clashes = moduleClashes(files);
  // Synchronous reads, one flow at a time: for the common no-drift pass over many flows this is
  // several times faster than thousands of concurrent promise reads (and holds one flow in memory).
  let prepared: Promise<void> | undefined;
  let built = 0;
  const prepare = () => (prepared ??= deps.prepare?.() ?? Promise.resolve());
  const one = async (file: string): Promise<DesiredFlow> => {
    const hidden = keyNamed(config, file);
    if (hidden) return hidden;
    const id = flowIdOf(file);
    if (deps.suspension && isSuspended(deps.suspension, id)) return { id, file, state: 'suspended' };
    if (deps.settling?.has(file)) return { id, file, state: 'settling' };
    const clash = clashes.get(file);
    if (clash) return { id, file, state: 'failed', sourceSha256: sha256(clash.message), error: clash };
    const st = lstatSync(`${config.repoRoot}/${file}`, { throwIfNoEntry: false });
    const refused = unreadable(st, file);
    if (refused) return { id, file, state: 'failed', sourceSha256: sha256(refused.message), error: refused };
    // An unchanged file (same stat as last pass) is recognised without reading it.
    const known = st && deps.cache?.get<string>(`flow:${file}`, st);
    const recognised = known && recognise(id, file, known, bySource.get(file) ?? [], actual, deps, optionsKey);
    if (recognised) return recognised;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(config.repoRoot, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { id, file, state: 'settling' }; // deleted mid-scan
      throw err;
    }
    const sourceSha256 = sha256(bytes);
    if (st) deps.cache?.set(`flow:${file}`, st, sourceSha256);
    const fast = recognise(id, file, sourceSha256, bySource.get(file) ?? [], actual, deps, optionsKey);
    if (fast) return fast;
    // A pass holds what it builds until it commits: bounded, a large first build goes in batches.
    if (built >= (config.batchFlows ?? Infinity)) return { id, file, state: 'deferred' };
    await prepare();
    try {
      const r = deps.compileFlow(bytes, { file, slug: config.slug, outputDir: config.outputDir, testsDir: config.testsDir, secrets: config.secrets, customComponents: config.customComponents });
      built++;
      deps.onCompiled?.(r.files);
      // Back to the event loop: what onCompiled sent the checkers is flushed through their pipes
      // now, not after the last flow compiles (a pipe holds a few flows' files; they starved).
      await new Promise((resolve) => setImmediate(resolve));
      return { id, file, state: 'built', sourceSha256, inputSha256: r.inputSha256, files: r.files, name: r.name, warnings: r.warnings, endpoint: r.endpoint };
    } catch (err) {
      // A file changed while we read it is being written (a slow writer): wait, do not fail it.
      let now: Buffer | undefined;
      try {
        now = readFileSync(path.join(config.repoRoot, file));
      } catch {
        now = undefined;
      }
      if (!now || sha256(now) !== sourceSha256) return { id, file, state: 'settling' };
      const error = isFlowcError(err) ? err : new FlowcError('flow', `compiler failed: ${(err as Error)?.message ?? String(err)}`, { where: { file } });
      return { id, file, state: 'failed', sourceSha256, error };
    }
  };
  // A long pass (a first build, a generator change) shows a progress line on a terminal.
  let done = 0;
  const tick = files.length >= 50 ? () => progress('reading flows', ++done, files.length) : () => {};
  const flows: DesiredFlow[] = [];
  for (const file of files) {
    flows.push(await one(file));
    tick();
    deps.onProgress?.(flows.length, files.length);
  }
  if (files.length >= 50) progress();
  refuseEndpointClashes(config, flows);
  let tenant: GeneratedFile[] = [];
  // A suspended tenant renders nothing: its tenant files stay as they are too.
  if (deps.compileTenant && !deps.suspension?.all) {
    const options = { slug: config.slug, outputDir: config.outputDir, testsDir: config.testsDir, ...modulesOf(config, flows, bySource, deps.suspension), collectors: configuredCollectors(config.telemetry) };
    const onDisk = (deps.tenantInputs?.(options) ?? []).map((want) => recogniseTenantFile(config.repoRoot, actual, deps, want));
    if (onDisk.length > 0 && onDisk.every((f) => f !== undefined)) tenant = onDisk as GeneratedFile[];
    else {
      await prepare();
      tenant = deps.compileTenant(options);
    }
  }
  return { flows, tenant, ...(deps.suspension ? { suspension: deps.suspension } : {}) };
}

/**
 * Two flows served at one endpoint (`endpoint_name`): the host would refuse one at reload, after
 * both were committed. A flow built now whose endpoint another flow already has fails instead,
 * naming it, and keeps its last good output; two built now with one endpoint both fail. Only a
 * pass that builds something can make a new clash, so only then are the others' endpoints read
 * (from the `FLOW` dict of their module).
 */
/**
 * A flow file named like a credential (a token pasted as the file name): its name would become a
 * flow id shown in status, state.json and the pass report. Refused under a stand-in name that
 * identifies it by hash; never read, built or committed.
 */
function keyNamed(config: Config, file: string): DesiredFlow | undefined {
  if (findShapes(path.basename(file)).length === 0) return undefined;
  const tag = sha256(file).slice(0, 12);
  const shown = path.posix.join(config.flowsDir, `(a file named like a secret key, ${tag})`);
  const error = new FlowcError('flow', 'the file name looks like a secret key (not shown), so it would be shown wherever the flow is', {
    where: { file: shown },
    hint: `rename the file in ${config.flowsDir}/ (the flow id comes from the file name), and revoke the key if it is a real one`,
  });
  return { id: `key-named-${tag}`, file: shown, state: 'failed', sourceSha256: sha256(error.message), error };
}

function refuseEndpointClashes(config: Config, flows: DesiredFlow[]): void {
  const built = flows.filter((f): f is Extract<DesiredFlow, { state: 'built' }> => f.state === 'built' && f.endpoint !== undefined);
  if (built.length === 0) return;
  const owners = new Map<string, string[]>();
  const own = (endpoint: string, file: string) => owners.set(endpoint, [...(owners.get(endpoint) ?? []), file]);
  for (const f of built) own(f.endpoint!, f.file);
  for (const f of flows) {
    if (f.state === 'built' || f.state === 'settling' || f.state === 'deferred') continue;
    const module = path.join(config.repoRoot, config.outputDir, config.slug, `flow_${moduleOf(f.file)}.py`);
    let text: string;
    try {
      text = readFileSync(module, 'utf8');
    } catch {
      continue; // no module: nothing served
    }
    const endpoint = /^ {4}"endpoint": "((?:[^"\\]|\\.)*)",$/m.exec(text)?.[1];
    if (endpoint !== undefined) own(JSON.parse(`"${endpoint}"`) as string, f.file);
  }
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    if (f.state !== 'built' || f.endpoint === undefined) continue;
    const others = owners.get(f.endpoint)!.filter((o) => o !== f.file);
    if (others.length === 0) continue;
    const error = new FlowcError('flow', `${f.file}: its endpoint /${f.endpoint} is already served by ${others.join(', ')}`, {
      where: { file: f.file },
      hint: 'give one of the flows another endpoint name in LangFlow (Flow settings → Endpoint name)',
    });
    flows[i] = { id: f.id, file: f.file, state: 'failed', sourceSha256: f.sourceSha256, error };
  }
}

/**
 * What the flow modules will be after this pass, for the tenant files: the module ids of the flows
 * whose module exists (built now, unchanged, or kept from the last good build), and of those among
 * them that run a component with lfx (its sources are under `components/<module id>/`).
 */
function modulesOf(config: Config, flows: DesiredFlow[], bySource: Map<string, string[]>, suspension?: Suspension): { graphs: string[]; lfxFlows: string[] } {
  const graphs: string[] = [];
  const lfxFlows: string[] = [];
  const add = (mid: string, paths: readonly string[]) => {
    const dir = `${config.outputDir}/${config.slug}/`;
    if (!paths.includes(`${dir}flow_${mid}.py`)) return;
    graphs.push(mid);
    if (paths.some((p) => p.startsWith(`${dir}${COMPONENTS_DIR}/${mid}/`))) lfxFlows.push(mid);
  };
  for (const flow of flows) {
    const paths = flow.state === 'built' ? flow.files.map((f) => f.path) : flow.state === 'fast' ? flow.paths : (bySource.get(flow.file) ?? []);
    add(moduleOf(flow.file), paths);
  }
  // A suspended flow whose file is gone keeps its outputs, so its graph stays listed too.
  if (suspension) {
    const listed = new Set(flows.map((f) => f.file));
    for (const [source, paths] of bySource) {
      if (!listed.has(source) && isSuspended(suspension, flowIdOf(source)) && !graphs.includes(moduleOf(source))) add(moduleOf(source), paths);
    }
  }
  return { graphs, lfxFlows };
}

/**
 * A tenant file's fast path: an intact file whose header carries the input hash and generator it
 * would be rendered with is byte-for-byte what rendering would produce, so its bytes stand in.
 */
function recogniseTenantFile(root: string, actual: Actual, deps: DesiredDeps, want: { path: string; inputSha256: string }): GeneratedFile | undefined {
  const have = actual.files.get(want.path);
  if (!have?.header || !have.intact || have.source !== 'flowc.yaml') return undefined;
  if (have.header.inputSha256 !== want.inputSha256 || have.header.generator !== deps.generatorDigest) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path.join(root, want.path));
  } catch {
    return undefined;
  }
  // Changed since it was read (a hand edit right now): render instead; the plan sees the edit.
  const again = inspect(want.path, content);
  if (again.header?.inputSha256 !== want.inputSha256 || !again.intact) return undefined;
  return { path: want.path, content: content.toString('utf8') };
}

/** The fast path: same raw bytes, same generator, same options, every output present and intact. */
function recognise(id: string, file: string, sourceSha256: string, paths: string[], actual: Actual, deps: DesiredDeps, optionsKey: string): DesiredFlow | undefined {
  const memo = deps.memo?.[id];
  if (!memo || memo.generator !== deps.generatorDigest || memo.options !== optionsKey) return undefined;
  if (paths.length !== memo.files.length || !memo.files.every((p) => paths.includes(p))) return undefined;
  const headersSay = paths.every((p) => {
    const h = actual.files.get(p)?.header;
    return h?.sourceSha256 === sourceSha256 && h.generator === deps.generatorDigest;
  });
  if (!headersSay && memo.sourceSha256 !== sourceSha256) return undefined;
  for (const p of paths) {
    const f = actual.files.get(p);
    if (!f?.header || !f.intact || f.header.inputSha256 !== memo.inputSha256) return undefined;
  }
  return { id, file, state: 'fast', sourceSha256, inputSha256: memo.inputSha256, paths };
}

/** A flow flowc.yaml suspends (by id, or the whole tenant). */
export const isSuspended = (s: Suspension, flowId: string): boolean => s.all || s.flows.includes(flowId);
