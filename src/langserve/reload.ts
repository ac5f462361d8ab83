/**
 * The LangServe reload client: `POST <url>/restart` on the tenant's host after a build lands.
 *
 * got retries POST only when `retry.methods` lists it; we do, because a restart is safe to repeat
 * (the host serialises reloads and always loads the files as they are now). Backoff is exponential
 * with jitter so several flowc instances do not hammer a host that is coming back. Whether a
 * failure is worth retrying is decided here: unreachable host, timeout, 5xx, 409 (checkout behind)
 * → transient; 401/403 (token), 404 (not a flowc host), 422 (a flow failed to load) → terminal.
 * The token travels only in the Authorization header; it never appears in an error or a log.
 */
import got, { HTTPError, ParseError, RequestError } from 'got';
import { FlowcError } from '../errors.js';
import { log } from '../log.js';

export interface ReloadOptions {
  /** Base URL of the host, e.g. `http://langserve:8000`. */
  url: string;
  /** LANGSERVE_RESTART_TOKEN shared with the host. */
  token: string;
  /** The commit just built; the host refuses (409, retried) when its checkout does not contain it. */
  expectedCommit?: string;
  /** W3C traceparent of the caller's span; the host continues the trace. */
  traceparent?: string;
  /** Retries after the first attempt (default: FLOWC_RELOAD_RETRIES, else 5). */
  retries?: number;
  /** Per-attempt timeout in ms (default 30 000: a reload imports and smoke-tests every flow). */
  timeoutMs?: number;
  /** First backoff delay in ms (default: FLOWC_RELOAD_BACKOFF_MS, else 500); doubles each retry, capped by `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Called (and awaited) before each retry, with the retry number (1-based) and why. */
  onRetry?: (retry: number, reason: string) => void | Promise<void>;
}

export interface ReloadResult {
  generation: number;
  routes: Array<{ path: string; flow_id: string }>;
  commit: string | null;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + random() * (exp / 2);
}

export async function reloadHost(options: ReloadOptions): Promise<ReloadResult> {
  const base = options.url.replace(/\/+$/, '');
  const target = `${base}/restart`;
  const retries = options.retries ?? envInt('FLOWC_RELOAD_RETRIES') ?? 5;
  const baseMs = options.backoffMs ?? envInt('FLOWC_RELOAD_BACKOFF_MS') ?? 500;
  const capMs = options.maxBackoffMs ?? 10_000;
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.expectedCommit) headers['x-expected-commit'] = options.expectedCommit;
  if (options.traceparent) headers.traceparent = options.traceparent;

  try {
    const body = await got
      .post(target, {
        headers,
        json: {},
        timeout: { request: options.timeoutMs ?? 30_000 },
        retry: {
          limit: retries,
          methods: ['POST'],
          statusCodes: [408, 409, 425, 429, 500, 502, 503, 504],
          enforceRetryRules: true,
          calculateDelay: ({ attemptCount }) => backoffDelay(attemptCount, baseMs, capMs),
        },
        hooks: {
          beforeRetry: [
            async (error, retryCount) => {
              log.debug({ url: target, retry: retryCount, reason: reasonOf(error) }, 'langserve reload: retrying');
              await options.onRetry?.(retryCount, reasonOf(error));
            },
          ],
        },
      })
      .json<Partial<ReloadResult>>();
    return { generation: Number(body.generation ?? 0), routes: body.routes ?? [], commit: body.commit ?? null };
  } catch (err) {
    throw toReloadError(err, target, retries);
  }
}

/** Operator (and test) overrides of the retry policy; ignored unless a non-negative integer. */
function envInt(name: string): number | undefined {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function reasonOf(error: RequestError): string {
  return error instanceof HTTPError ? `HTTP ${error.response.statusCode}` : (error.code ?? error.message);
}

/** Reads the host's `{"error": ...}` reply, if any. */
function hostReply(err: HTTPError): { error?: string; file?: string } {
  try {
    const parsed: unknown = JSON.parse(String(err.response.body));
    return typeof parsed === 'object' && parsed !== null ? (parsed as { error?: string; file?: string }) : {};
  } catch {
    return {};
  }
}

function toReloadError(err: unknown, target: string, retries: number): FlowcError {
  if (err instanceof HTTPError) {
    const status = err.response.statusCode;
    const reply = hostReply(err);
    const said = reply.error ? `: ${reply.error}` : '';
    if (status === 422) {
      return new FlowcError('reload', `the LangServe host refused the reload (HTTP 422)${said}`, {
        where: reply.file ? { file: reply.file } : {},
        hint: 'the previous generation keeps serving; fix the flow and save it again',
      });
    }
    if (status === 401 || status === 403) {
      return new FlowcError('reload', `the LangServe host at ${target} rejected the restart token (HTTP ${status})`, {
        hint: 'give flowc and the host the same LANGSERVE_RESTART_TOKEN',
      });
    }
    if (status === 404 || status === 405) {
      return new FlowcError('reload', `${target} is not a flowc LangServe host (HTTP ${status})`, {
        hint: 'check langserve.url in flowc.yaml (or LANGSERVE_URL)',
      });
    }
    return new FlowcError('reload', `reload failed at ${target} after ${retries + 1} attempt(s) (HTTP ${status})${said}`, {
      transient: true,
      hint: 'flowc retries on its next pass',
    });
  }
  if (err instanceof ParseError) {
    return new FlowcError('reload', `${target} answered ${err.response.statusCode} without the JSON a flowc host sends`, {
      hint: 'check langserve.url in flowc.yaml (or LANGSERVE_URL)',
    });
  }
  // Network errors: the message names the address only (got puts no header in it).
  const message = err instanceof Error ? err.message : String(err);
  return new FlowcError('reload', `LangServe host unreachable at ${target} after ${retries + 1} attempt(s): ${message}`, {
    transient: true,
    hint: 'is the host running? flowc retries on its next pass',
  });
}
