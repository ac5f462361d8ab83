/**
 * The actual state: what generated files are in the work tree, read from their headers. A file
 * without a flowc header is "foreign" and is never touched — unless git says flowc generated it
 * at HEAD (its header was hand-deleted), which makes it a hand edit to overwrite.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseHeader, sha256, type Header } from '../codegen/header.js';
import type { Config } from '../config/schema.js';
import { isStaleTemp } from './atomic.js';
import type { StatCache } from './statcache.js';

export interface ActualFile {
  path: string;
  /** Parsed header; undefined for a file flowc did not write (or whose header was destroyed). */
  header: Header | undefined;
  /** The header's `source=` as a repo path (the header percent-encodes whitespace and `%`). */
  source: string | undefined;
  /** Body hash matches the header's output-sha256 (false when there is no header). */
  intact: boolean;
  /** No header now, but HEAD's version of the file had one: a hand edit, not a user's file. */
  generatedAtHead: boolean;
}

export interface Actual {
  files: Map<string, ActualFile>;
  /** Generated paths (per HEAD) deleted from the work tree and not yet committed. */
  deletedGenerated: Array<{ path: string; source: string }>;
  /** Paths under the output dirs that differ from HEAD (for "written but not committed" after a crash). */
  dirty: Set<string>;
  /** flowc temp files left by a killed process (atomic.ts). */
  staleTemps?: string[];
}

export interface ActualDeps {
  /** Paths under `pathspecs` that differ from HEAD; omit for "everything committed" (e.g. no git). */
  changedPaths?: (pathspecs: string[]) => Promise<Set<string>>;
  /** File content at HEAD, or undefined. */
  showHead?: (file: string) => Promise<Buffer | undefined>;
  /** What the last pass read, by stat: an unchanged file is not read again. */
  cache?: StatCache;
}

/** Where generated files may live: the tenant's flow modules, its smoke tests, the host next to them, and langgraph.json and requirements-flows.txt at the root. */
export function outputRoots(config: Pick<Config, 'outputDir' | 'testsDir' | 'slug'>): { recursive: string[]; shallow: string[]; files: string[] } {
  const parent = path.posix.dirname(config.outputDir);
  return { recursive: [path.posix.join(config.outputDir, config.slug), config.testsDir], shallow: [parent === '.' ? '' : parent], files: ['langgraph.json', 'requirements-flows.txt'] }; // contract: codegen/langgraph.ts, codegen/requirements.ts (not imported: they load the renderer)
}

export async function readActual(config: Config, deps: ActualDeps = {}): Promise<Actual> {
  const root = config.repoRoot;
  const roots = outputRoots(config);
  const rels: string[] = [];
  const temps: string[] = [];
  for (const dir of roots.recursive) await walk(root, dir, true, rels, temps);
  for (const dir of roots.shallow) await walk(root, dir, false, rels, temps);
  rels.push(...roots.files);
  const pathspecs = [...roots.recursive, ...roots.shallow.map((d) => (d ? `${d}/*.py` : '*.py')), ...roots.files];
  // git answers while we read: the two are independent.
  const changed = deps.changedPaths ? deps.changedPaths(pathspecs) : Promise.resolve(new Set<string>());
  changed.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  const files = new Map<string, ActualFile>();
  for (const rel of new Set(rels)) {
    const abs = `${root}/${rel}`;
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) continue; // removed while we scanned (or one of roots.files that is not there)
    const known = deps.cache?.get<CachedOutput>(`out:${rel}`, st);
    if (known) {
      files.set(rel, fromCache(rel, known));
      continue;
    }
    let buf: Buffer;
    try {
      buf = readFileSync(abs);
    } catch {
      continue;
    }
    const file = inspect(rel, buf);
    files.set(rel, file);
    deps.cache?.set(`out:${rel}`, st, toCache(file));
  }
  const dirty = await changed;
  const deletedGenerated: Actual['deletedGenerated'] = [];
  for (const rel of dirty) {
    const file = files.get(rel);
    if (file && file.header) continue;
    const head = deps.showHead ? await deps.showHead(rel) : undefined;
    const parsed = head ? parseHeader(head.toString('utf8')) : null;
    if (!parsed) continue;
    if (file) file.generatedAtHead = true;
    else deletedGenerated.push({ path: rel, source: decodeSource(parsed.header.source) });
  }
  return { files, deletedGenerated, dirty, ...(temps.length ? { staleTemps: temps } : {}) };
}

/** A generated file as the stat cache keeps it: its header's fields and the hand-edit check, compactly. */
type CachedOutput = [intact: 0 | 1, source?: string, inputSha256?: string, outputSha256?: string, sourceSha256?: string, generator?: string];

function toCache(f: ActualFile): CachedOutput {
  const h = f.header;
  return h ? [f.intact ? 1 : 0, h.source, h.inputSha256, h.outputSha256, h.sourceSha256, h.generator] : [0];
}

function fromCache(rel: string, [intact, source, inputSha256, outputSha256, sourceSha256, generator]: CachedOutput): ActualFile {
  if (source === undefined || inputSha256 === undefined || outputSha256 === undefined) return { path: rel, header: undefined, source: undefined, intact: false, generatedAtHead: false };
  const header: Header = { source, inputSha256, outputSha256, ...(sourceSha256 ? { sourceSha256 } : {}), ...(generator ? { generator } : {}) };
  return { path: rel, header, source: decodeSource(source), intact: intact === 1, generatedAtHead: false };
}

/** `flows/Basic%20Prompting.json` → `flows/Basic Prompting.json` (inverse of codegen's headerSource). */
export const decodeSource = (s: string): string => s.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

/** Header and hand-edit check of one file, hashing the body bytes without decoding them. */
export function inspect(rel: string, content: string | Buffer): ActualFile {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const nl1 = buf.indexOf(10);
  const nl2 = nl1 < 0 ? -1 : buf.indexOf(10, nl1 + 1);
  const parsed = nl2 < 0 ? null : parseHeader(buf.subarray(0, nl2 + 1).toString('utf8'));
  if (!parsed) return { path: rel, header: undefined, source: undefined, intact: false, generatedAtHead: false };
  return { path: rel, header: parsed.header, source: decodeSource(parsed.header.source), intact: sha256(buf.subarray(nl2 + 1)) === parsed.header.outputSha256, generatedAtHead: false };
}

async function walk(root: string, rel: string, recursive: boolean, out: string[], temps: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (recursive && e.name !== '__pycache__' && !e.name.startsWith('.')) await walk(root, child, true, out, temps);
    } else if (e.isFile() && (e.name.endsWith('.py') || (recursive && e.name.endsWith('.md')))) out.push(child);
    else if (e.isFile() && isStaleTemp(e.name)) temps.push(child);
  }
}
