/**
 * Python for tests, batched: one interpreter start-up checks many files (compile + black),
 * one pytest run executes many smoke tests. The machine has 2 shared cores; a Python start-up
 * with langchain costs ~1 s, so never start one per file.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesRoot = resolve(repoRoot, '..', 'shared', 'fixtures', 'langflow');

export const pythonPath = (): string => process.env.FLOWC_PYTHON ?? join(repoRoot, '.venv', 'bin', 'python');
export const havePython = (): boolean => existsSync(pythonPath());

export interface PyRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `python -c script` (or `python args...`) with `stdin`, collecting output; `python` picks another interpreter. */
export function runPython(args: string[], options: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv; python?: string } = {}): Promise<PyRun> {
  return new Promise((done, fail) => {
    const child = spawn(options.python ?? pythonPath(), args, { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const CHECK = `
import json, re, sys
import black
mode = black.Mode()
out = []
for path in json.load(sys.stdin):
    src = open(path, encoding="utf-8").read()
    entry = {"path": path}
    # A LangFlow component's own source is LangFlow's code: black does not judge it (checker.py).
    component = re.search(r"^# flowc-nodes: ", "\\n".join(src.splitlines()[:6]), re.M)
    try:
        compile(src, path, "exec")
    except SyntaxError as e:
        entry["compile"] = f"{e.msg} (line {e.lineno})"
    else:
        if component:
            out.append(entry)
            continue
        try:
            if black.format_str(src, mode=mode) != src:
                entry["black"] = "would reformat"
        except Exception as e:
            entry["black"] = f"black failed: {e}"
    out.append(entry)
json.dump(out, sys.stdout)
`;

export interface FileCheck {
  path: string;
  compile?: string;
  black?: string;
}

/** py_compile + `black --check` (pinned black, in process) over many files in one Python run. */
export async function checkPythonFiles(paths: string[]): Promise<FileCheck[]> {
  const r = await runPython(['-c', CHECK], { stdin: JSON.stringify(paths) });
  if (r.code !== 0) throw new Error(`python check failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as FileCheck[];
}

/** One pytest run over `paths` (files or directories); `-rA` lists every test by name. */
export function runPytest(paths: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<PyRun> {
  return runPython(['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', '--import-mode=importlib', ...paths], { cwd, env });
}

/** `execFile` as a promise (for spawning `node bin/flowc.js` and the like). */
export function exec(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PyRun> {
  return new Promise((done) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
