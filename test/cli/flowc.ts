/** Runs the built CLI (bin/flowc.js → dist/) as a child process; rebuild before running these tests. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/gitrepo.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const pythonPath = () => process.env.FLOWC_PYTHON ?? path.join(repoRoot, '.venv/bin/python');

export function flowc(args: string[], opts: { env?: Record<string, string | undefined>; bin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? path.join(repoRoot, 'bin/flowc.js'), ...args], {
      env: { ...process.env, FLOWC_LOG_LEVEL: 'warn', FLOWC_PYTHON: pythonPath(), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
