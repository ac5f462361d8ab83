/**
 * Runs the generated LangServe host (`uvicorn app.server:app`) from a tenant repo root, as the
 * stack does, and waits until `/healthz` answers.
 *
 *   const host = await startHost({ repoRoot, token: 'secret', env: { OPENAI_BASE_URL: stub.url } });
 *   await fetch(`${host.url}/hello/invoke`, ...);   host.pid; host.output();
 *   await host.stop();
 *
 * `port` 0 (default) lets uvicorn pick a free port (read back from its start-up line); pass the
 * previous `host.port` to bring a stopped host back at the same address. Bytecode writing is off so
 * the tenant repo stays clean. `args` runs another Python entry point instead (e.g. a per-flow
 * runner: `args: ['app/flows/acme/runner_x.py'], readyPath: '/x/input_schema'`; it gets `PORT`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const pythonBin = (): string => process.env.FLOWC_PYTHON ?? path.join(repoRoot, '.venv/bin/python');

export interface HostOptions {
  repoRoot: string;
  /** LANGSERVE_RESTART_TOKEN; omitted → the variable is unset (the host must refuse to start). */
  token?: string;
  port?: number;
  /** Extra environment (OPENAI_BASE_URL, OPENAI_API_KEY default to a stub-friendly value). */
  env?: Record<string, string | undefined>;
  /** How long to wait for /healthz (default 60 s: first imports of langchain are slow on 2 cores). */
  readyTimeoutMs?: number;
  /** Python arguments instead of `-m uvicorn app.server:app --host 127.0.0.1 --port <port>`. */
  args?: string[];
  /** A whole command instead of Python (e.g. scripts/host-replica.sh); it gets PORT. */
  command?: string[];
  /** GET path that answers 200 once the server is ready (default `/healthz`). */
  readyPath?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  stop(): Promise<void>;
}

export function spawnHost(options: HostOptions): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env: Record<string, string | undefined> = {
    ...process.env,
    OPENAI_API_KEY: 'sk-flowc-test',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    LANGSERVE_RESTART_TOKEN: options.token,
    PORT: String(options.port ?? 0),
    ...options.env,
  };
  if (options.token === undefined) delete env.LANGSERVE_RESTART_TOKEN;
  const args = options.args ?? ['-m', 'uvicorn', 'app.server:app', '--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  const [file, ...rest] = options.command ?? [pythonBin(), ...args];
  const child = spawn(file!, rest, { cwd: options.repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { child, output, exited } = spawnHost(options);
  let dead = false;
  void exited.then(() => (dead = true));
  const stop = async () => {
    if (!dead) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let port = options.port ?? 0;
  while (true) {
    if (dead) throw new Error(`host exited before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`host not ready in time:\n${output()}`);
    }
    if (!port) port = Number(/Uvicorn running on http:\/\/[^:\s]+:(\d+)/.exec(output())?.[1] ?? 0);
    if (port) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${options.readyPath ?? '/healthz'}`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, output, stop };
}
