/**
 * The Python validation adapter. `createValidator` keeps ONE Python process (checker.py) alive and
 * sends it every batch of generated files: each file must compile and be black-clean. Black's
 * start-up (≥ 0.2 s) is paid once per validator, not per file or per build (DESIGN §8).
 * `createValidatorPool` keeps one per core, each taking the next file when it is free (a burst of
 * flows is mostly black's time, issue 16).
 * `runSmokeTests` runs the generated pytest smoke tests (`validate: smoke`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FlowcError } from '../errors.js';
import type { GeneratedFile } from '../codegen/types.js';

/** checker.py sits in src/python/; the same relative path works from src/ (tsx) and dist/. */
const CHECKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/python/checker.py');

export interface CheckResult {
  path: string;
  /** Why the file is not acceptable (syntax error with its line, or the first line black would change). */
  error?: string;
}

export interface Validator {
  check(files: GeneratedFile[]): Promise<CheckResult[]>;
  close(): Promise<void>;
}

interface Pending {
  resolve(results: CheckResult[]): void;
  reject(err: Error): void;
}

/** Python files are checked; anything else passes untouched. */
const isPython = (file: GeneratedFile) => file.path.endsWith('.py');

export function createValidator(options: { python: string }): Validator {
  let child: ChildProcess | undefined;
  let nextId = 0;
  let stderr = '';
  const pending = new Map<number, Pending>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const start = (): ChildProcess => {
    if (!existsSync(CHECKER)) throw new FlowcError('io', `the Python checker is missing: ${CHECKER}`, { hint: 'reinstall flowc' });
    stderr = '';
    const proc = spawn(options.python, ['-u', CHECKER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let reply: { id: number; results: CheckResult[] };
      try {
        reply = JSON.parse(line);
      } catch {
        return; // not ours (a stray print); requests are matched by id
      }
      pending.get(reply.id)?.resolve(reply.results);
      pending.delete(reply.id);
    });
    const died = (why: string) => {
      if (child === proc) child = undefined;
      failAll(
        new FlowcError('io', `the Python checker (${options.python}) ${why}${stderr ? `: ${stderr.trim()}` : ''}`, {
          transient: true,
          hint: 'check that the Python venv has black installed (scripts/pyenv.sh)',
        }),
      );
    };
    proc.on('error', (err) => died(`could not run: ${err.message}`));
    proc.on('exit', (code, signal) => died(`exited (${signal ?? code})`));
    proc.stdin!.on('error', () => {}); // reported through 'exit'
    return proc;
  };

  return {
    async check(files) {
      const python = files.filter(isPython);
      const byPath = new Map<string, CheckResult>();
      if (python.length > 0) {
        child ??= start();
        const id = nextId++;
        const results = await new Promise<CheckResult[]>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          child!.stdin!.write(`${JSON.stringify({ id, files: python.map((f) => ({ path: f.path, content: f.content })) })}\n`);
        });
        for (const r of results) byPath.set(r.path, r);
      }
      return files.map((f) => byPath.get(f.path) ?? { path: f.path });
    },
    async close() {
      const proc = child;
      child = undefined;
      if (!proc) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.stdin!.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `size` validators (started on first use) taking files from one queue: a checker takes the next
 * file when it has fewer than two in hand (two, so it never waits for its next request), so every
 * core checks until the queue is empty and none is left with a backlog while another idles (a
 * burst's last checks, and a pass sends each flow's files as soon as it compiles). Results come
 * back in the order of `files`.
 */
export function createValidatorPool(options: { python: string; size: number }): Validator {
  const size = Math.max(1, Math.floor(options.size));
  if (size === 1) return createValidator(options);
  const validators = Array.from({ length: size }, () => ({ v: createValidator(options), inHand: 0 }));
  const queue: Array<{ file: GeneratedFile; settle: (r: Promise<CheckResult>) => void }> = [];
  const pump = () => {
    while (queue.length > 0) {
      const w = validators.reduce((min, v) => (v.inHand < min.inHand ? v : min));
      if (w.inHand >= 2) return;
      const { file, settle } = queue.shift()!;
      w.inHand++;
      const result = w.v.check([file]).then((rs) => rs[0]!);
      settle(result);
      void result.catch(() => {}).finally(() => {
        w.inHand--;
        pump();
      });
    }
  };
  return {
    async check(files) {
      const python = files.filter(isPython);
      const results = python.map((file) => new Promise<CheckResult>((resolve) => queue.push({ file, settle: resolve })));
      pump();
      const byPath = new Map((await Promise.all(results)).map((r) => [r.path, r]));
      return files.map((f) => byPath.get(f.path) ?? { path: f.path });
    },
    async close() {
      await Promise.all(validators.map((w) => w.v.close()));
    },
  };
}

export interface SmokeResult {
  ok: boolean;
  output: string;
}

/**
 * Runs pytest on the given repo-relative test files from the repo root (one process for all).
 * No paths → nothing to run → ok. Bytecode is not written, so the tenant repo stays clean.
 */
export async function runSmokeTests(options: { python: string; repoRoot: string; paths: string[] }): Promise<SmokeResult> {
  if (options.paths.length === 0) return { ok: true, output: '' };
  const proc = spawn(options.python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--', ...options.paths], {
    cwd: options.repoRoot,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.on('error', (err) =>
      reject(new FlowcError('io', `could not run pytest with ${options.python}: ${err.message}`, { transient: true })),
    );
    proc.on('close', (c) => resolve(c));
  });
  return { ok: code === 0, output };
}
