/**
 * Reconciler state that must never be committed, kept under `.git/flowc/` of the tenant repo:
 * the last build, what is waiting to be pushed or reloaded, per-flow failures, and the fast-path
 * memo. Written atomically (temp + rename); a missing or corrupt file just means "start afresh".
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Memo } from './desired.js';

export interface BuildRecord {
  tag: string;
  commit: string;
  time: string;
  flows: string[];
}

export interface FlowFailure {
  reason: string;
  kind: string;
  since: string;
  sourceSha256?: string;
}

export interface ReconcileState {
  lastBuild?: BuildRecord;
  /** Builds committed locally and not yet on the remote. */
  push: { pending: boolean; tags: string[]; lastError?: string; lastAttempt?: string };
  reload: { pending: boolean; commit?: string; lastError?: string; lastAttempt?: string; generation?: number };
  failures: Record<string, FlowFailure>;
  /** Outcome of the last pass. */
  lastPass?: { time: string; ok: boolean; refused?: string; error?: string };
  /** Per flow, the state last told in a notification ('failed' | 'ok'): each change is told once. */
  told?: Record<string, string>;
}

export const emptyState = (): ReconcileState => ({ push: { pending: false, tags: [] }, reload: { pending: false }, failures: {} });

export const stateDir = (gitDir: string): string => path.join(gitDir, 'flowc');

async function readJson<T>(file: string, fallback: () => T): Promise<T> {
  try {
    return { ...fallback(), ...(JSON.parse(await readFile(file, 'utf8')) as T) };
  } catch {
    return fallback();
  }
}

export const readState = (gitDir: string): Promise<ReconcileState> => readJson(path.join(stateDir(gitDir), 'state.json'), emptyState);
/** The memo as last read or written, per state dir: a pass that changes nothing writes nothing. */
const memoText = new Map<string, string>();

export async function readMemo(gitDir: string): Promise<Memo> {
  const file = path.join(stateDir(gitDir), 'memo.json');
  try {
    const text = await readFile(file, 'utf8');
    const memo = JSON.parse(text) as Memo;
    memoText.set(file, text);
    return memo && typeof memo === 'object' ? memo : ({} as Memo);
  } catch {
    return {} as Memo;
  }
}

// Loaded on the first write: `--check` (the pre-commit hook) only reads.
const writeFileAtomic = async (file: string, data: string): Promise<void> => (await import('write-file-atomic')).default(file, data);

export async function writeState(gitDir: string, state: ReconcileState): Promise<void> {
  await mkdir(stateDir(gitDir), { recursive: true });
  await writeFileAtomic(path.join(stateDir(gitDir), 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

export async function writeMemo(gitDir: string, memo: Memo): Promise<void> {
  const file = path.join(stateDir(gitDir), 'memo.json');
  const text = JSON.stringify(memo);
  if (memoText.get(file) === text) return;
  await mkdir(stateDir(gitDir), { recursive: true });
  await writeFileAtomic(file, text);
  memoText.set(file, text);
}
