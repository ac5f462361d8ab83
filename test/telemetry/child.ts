/**
 * Runs a small ES module script in a fresh Node process against the built facade (dist/), the way
 * the CLI loads it, optionally with the OpenTelemetry load probe. Needs `npm run build` first.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const distUrl = (rel: string): string => pathToFileURL(path.join(repoRoot, 'dist', rel)).href;
export const probeHook = path.join(repoRoot, 'test/telemetry/probe/otel-probe.mjs');

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node [--import probe] <args…>` with a clean OTEL_* environment plus `env`. */
export function runNode(args: string[], env: Record<string, string | undefined>, options: { probe?: boolean; cwd?: string } = {}): Promise<ChildResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('FLOWC_TELEMETRY')));
  const argv = [...(options.probe ? ['--import', probeHook] : []), ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argv,
      { env: { ...base, FLOWC_LOG_FORMAT: 'json', ...env }, cwd: options.cwd ?? repoRoot, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Parsed JSON log lines from a child's stderr (other lines are skipped). */
export const logLines = (stderr: string): Array<Record<string, unknown>> =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
