/**
 * Running the `git` CLI (DESIGN §8). Every call goes through `runGit`, which:
 * - never puts the token in argv, `.git/config` or a URL: remote operations get it through
 *   `GIT_CONFIG_COUNT/KEY/VALUE` as an `http.extraHeader` in the child's environment only;
 * - never prompts (`GIT_TERMINAL_PROMPT=0`), so a missing credential fails instead of hanging;
 * - scrubs the token (and its base64 form) from anything it reports, as a second line of defence;
 * - starts git in its own process group, so a Ctrl-C on flowc lets the git step in flight finish
 *   (flowc finishes the build, then exits) instead of killing it half-way.
 */
import { spawn } from 'node:child_process';
import { FlowcError } from '../errors.js';

export interface TokenSource {
  read(): string | undefined;
}

export interface ExecOptions {
  cwd: string;
  args: string[];
  input?: string;
  /** Extra environment for this call (e.g. GIT_INDEX_FILE). */
  env?: Record<string, string>;
  /** Talks to a remote: adds the auth header when a token is configured. */
  remote?: boolean;
  token?: TokenSource;
  /** Username for HTTP Basic auth with the token (GitHub: x-access-token, GitLab: oauth2). */
  tokenUser?: string;
  /** Return non-zero exits instead of throwing. */
  allowFail?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Child environment for one git call; exported for tests that check where the token goes. */
export function gitEnv(options: Pick<ExecOptions, 'env' | 'remote' | 'token' | 'tokenUser'>, base: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; secrets: string[] } {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env };
  delete env.GIT_TOKEN; // git does not need it; keep it out of hooks and helpers git may start
  const secrets: string[] = [];
  const token = options.remote ? options.token?.read() : undefined;
  if (token) {
    const basic = Buffer.from(`${options.tokenUser ?? 'x-access-token'}:${token}`).toString('base64');
    const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
    env[`GIT_CONFIG_KEY_${n}`] = 'http.extraHeader';
    env[`GIT_CONFIG_VALUE_${n}`] = `Authorization: Basic ${basic}`;
    env.GIT_CONFIG_COUNT = String(n + 1);
    secrets.push(token, basic);
  }
  return { env, secrets };
}

export const scrub = (text: string, secrets: string[]): string =>
  secrets.reduce((t, s) => (s ? t.split(s).join('[redacted]') : t), text);

export function runGit(options: ExecOptions): Promise<ExecResult> {
  const { env, secrets } = gitEnv(options);
  return new Promise((resolve, reject) => {
    const child = spawn('git', options.args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new FlowcError('git', `cannot run git: ${e.message}`, { hint: 'install git and put it on PATH' })));
    child.on('close', (code) => {
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: scrub(Buffer.concat(err).toString('utf8'), secrets) };
      result.stdout = secrets.length ? scrub(result.stdout, secrets) : result.stdout;
      if (result.code !== 0 && !options.allowFail) {
        const first = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ') || `exit ${result.code}`;
        reject(new FlowcError('git', `git ${options.args[0]} failed: ${first}`, { where: { file: options.cwd }, transient: !!options.remote }));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => {}); // git may exit before reading all input; the exit code tells
    child.stdin.end(options.input ?? '');
  });
}
