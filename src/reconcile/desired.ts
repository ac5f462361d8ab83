/**
 * The desired state: every `flows/*.json` and what flowc would generate from it. The common case
 * is "nothing changed", so an untouched flow is recognised from its raw bytes' hash and the
 * generator digest (in the generated headers, or in the memo when a layout-only edit left the
 * header's source hash behind) without parsing it (DESIGN §5 fast path). Everything else is
 * compiled; a bad flow becomes a `failed` entry and never stops the others.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../codegen/header.js';
import type { CompileOptions, CompileResult, GeneratedFile } from '../codegen/types.js';
import type { Config } from '../config/schema.js';
import { FlowcError, isFlowcError } from '../errors.js';
import { progress } from '../log.js';
import type { Actual } from './actual.js';

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
  | (Base & { state: 'built'; sourceSha256: string; inputSha256: string; files: GeneratedFile[]; name: string; warnings: string[] })
  | (Base & { state: 'failed'; sourceSha256: string; error: FlowcError })
  /** Being written right now (watch mode): left alone this pass. */
  | (Base & { state: 'settling' });

export interface Desired {
  flows: DesiredFlow[];
  /** Tenant-level files (`app/server.py`), source `flowc.yaml`. */
  tenant: GeneratedFile[];
}

export interface DesiredDeps {
  compileFlow: (source: Uint8Array, options: CompileOptions) => CompileResult;
  compileServer?: (options: { slug: string; outputDir?: string }) => GeneratedFile;
  generatorDigest: string;
  memo?: Memo;
  /** Flow files (repo-relative) still being written; skipped this pass. */
  settling?: ReadonlySet<string>;
}

/** Options that change the output: part of the memo key. */
export const compileOptionsKey = (config: Pick<Config, 'slug' | 'outputDir' | 'testsDir' | 'secrets'>): string =>
  sha256(JSON.stringify([config.slug, config.outputDir, config.testsDir, config.secrets]));

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

export async function readDesired(config: Config, actual: Actual, deps: DesiredDeps): Promise<Desired> {
  const optionsKey = compileOptionsKey(config);
  const bySource = new Map<string, string[]>();
  for (const f of actual.files.values()) if (f.source) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.path]);

  const files = await listFlowFiles(config);
  // Synchronous reads, one flow at a time: for the common no-drift pass over many flows this is
  // several times faster than thousands of concurrent promise reads (and holds one flow in memory).
  const one = (file: string): DesiredFlow => {
    const id = path.posix.basename(file, '.json');
    if (deps.settling?.has(file)) return { id, file, state: 'settling' };
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(config.repoRoot, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { id, file, state: 'settling' }; // deleted mid-scan
      throw err;
    }
    const sourceSha256 = sha256(bytes);
    const fast = recognise(id, file, sourceSha256, bySource.get(file) ?? [], actual, deps, optionsKey);
    if (fast) return fast;
    try {
      const r = deps.compileFlow(bytes, { file, slug: config.slug, outputDir: config.outputDir, testsDir: config.testsDir, secrets: config.secrets });
      return { id, file, state: 'built', sourceSha256, inputSha256: r.inputSha256, files: r.files, name: r.name, warnings: r.warnings };
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
  const flows = files.map((file) => {
    const f = one(file);
    tick();
    return f;
  });
  if (files.length >= 50) progress();
  const tenant = deps.compileServer ? [deps.compileServer({ slug: config.slug, outputDir: config.outputDir })] : [];
  return { flows, tenant };
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
