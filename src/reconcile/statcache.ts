/**
 * What reading a file told the last pass — a flow's sha256, a generated file's header and hand-edit
 * check — remembered by the file's stat, as git's index does: a file whose size, inode, mtime and
 * ctime are all unchanged is not read again (no tool sets ctime back, so an edit always shows).
 * A file that changed less than RACY_MS before it was read is not remembered: the clock may not
 * have ticked between that change and the next one. Kept in `.git/flowc/statcache.json`; losing
 * it costs one full read, nothing else.
 */
import type { Stats } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const RACY_MS = 2000;

type Entry = [key: string, value: unknown];

export class StatCache {
  private readonly seen = new Set<string>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** The cache of `file`; empty when it is missing or unreadable. */
  static async load(file: string): Promise<StatCache> {
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { v?: number; entries?: Record<string, Entry> };
      if (parsed.v === 1 && parsed.entries && typeof parsed.entries === 'object') return new StatCache(file, new Map(Object.entries(parsed.entries)));
    } catch {
      // first pass, or a damaged file: start empty
    }
    return new StatCache(file, new Map());
  }

  /** An empty cache that is never saved (tests, one-off reads). */
  static none(): StatCache {
    return new StatCache('', new Map());
  }

  /** What `name` (`<kind>:<repo path>`) told us when its stat was `st`; undefined when it changed since. */
  get<T>(name: string, st: Stats): T | undefined {
    this.seen.add(name);
    const hit = this.entries.get(name);
    return hit && hit[0] === key(st) ? (hit[1] as T) : undefined;
  }

  set(name: string, st: Stats, value: unknown): void {
    this.seen.add(name);
    if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS) {
      if (this.entries.delete(name)) this.changed = true;
      return;
    }
    this.entries.set(name, [key(st), value]);
    this.changed = true;
  }

  /** Writes the entries this pass looked at (files gone since are dropped), when anything changed. */
  async save(): Promise<void> {
    for (const name of this.entries.keys()) {
      if (!this.seen.has(name)) {
        this.entries.delete(name);
        this.changed = true;
      }
    }
    if (!this.file || !this.changed) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const writeFileAtomic = (await import('write-file-atomic')).default;
    await writeFileAtomic(this.file, JSON.stringify({ v: 1, entries: Object.fromEntries(this.entries) }));
    this.changed = false;
  }
}

// The times as fractional milliseconds: the nanoseconds the file system keeps survive in them.
const key = (st: Stats): string => `${st.size}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
