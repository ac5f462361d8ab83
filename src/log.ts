/**
 * The process logger: one structured line per event on stderr. JSON when stderr is not a terminal
 * (FLOWC_LOG_FORMAT=json|pretty overrides), a readable line on a terminal. Every line carries
 * `level`, `time`, `msg`, and when known `flowId`, `buildTag` and `traceId` (the active span's).
 * Context goes in fields, not in the message: `log.info({ flowId, buildTag }, 'built')`, or
 * `log.child({ flowId })`.
 *
 * No secret is ever written (see "Redaction" below): values of secret-named keys at any depth, every
 * registered secret value (`registerSecret`, plus secret-named environment variables at load) and
 * well-known credential shapes are replaced by `[redacted]` on the final line.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';
import { FlowcError } from './errors.js';
import { currentTraceId } from './telemetry/tracing.js';

// ---- Redaction ---------------------------------------------------------------------------------

const REDACTED = '[redacted]';
/** Keys whose string values are secrets wherever they appear (`token`, `apiKey`, `webhook_secret`, …). */
const SECRET_KEY = /(token|secret|passw(or)?d|api[-_]?key|authorization|cookie|signature|credential|private[-_]?key)/i;
/** Keys that match SECRET_KEY but hold settings, not secrets (`secrets: refuse|scrub`). */
const NOT_SECRET_KEY = /^(secrets|tokenCount|tokens)$/;
/** Environment variables whose values are registered as secrets at start-up. */
const SECRET_ENV = /(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|API_?KEY|PRIVATE_?KEY|(^|_)KEY$|CREDENTIAL|_HEADERS$)/i;
/** Credential shapes redacted even when nobody registered them. */
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi, `$1$2${REDACTED}`],
  [/(:\/\/)[^/\s:@"]+:[^/\s@"]+@/g, `$1${REDACTED}@`],
  [/([?&](?:access_token|token|key|api_key|apikey|secret|signature|sig|password)=)[^&\s"]+/gi, `$1${REDACTED}`],
  [/\b(sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|whsec_[A-Za-z0-9+/=]{16,}|AIza[0-9A-Za-z_-]{30,})/g, REDACTED],
];

const secrets = new Set<string>();

/** Adds a value that must never be logged (a push token, the restart token, a webhook secret). */
export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; they are not credentials anyone relies on.
  if (!value || value.length < 6) return;
  secrets.add(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
}

/** Registers the values of secret-named variables (`LANGSERVE_RESTART_TOKEN`, `OPENAI_API_KEY`, OTLP headers, …). */
export function registerSecretsFromEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value || !SECRET_ENV.test(name)) continue;
    registerSecret(value);
    // `OTEL_EXPORTER_OTLP_HEADERS=api_key=…,authorization=Bearer …`: each header value too.
    if (name.endsWith('_HEADERS')) for (const pair of value.split(',')) registerSecret(decodeURIComponent(pair.split('=').slice(1).join('=').trim()));
  }
}

/** Replaces every registered secret and every known credential shape in `text`. */
export function redactText(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/** Copies `value` with the string values of secret-named keys replaced, at any depth. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value; // pino's err serializer runs later; streamWrite catches its text
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && SECRET_KEY.test(k) && !NOT_SECRET_KEY.test(k) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

// ---- Logger -------------------------------------------------------------------------------------

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type Level = (typeof LEVELS)[number];

export interface LoggerOptions {
  level?: string;
  format?: 'json' | 'pretty';
  /** Where finished lines go (default: stderr, synchronously so nothing is lost at exit). */
  write?: (line: string) => void;
}

const toStderr = (line: string): void => {
  try {
    writeSync(2, line);
  } catch {
    // stderr closed (EPIPE): nothing sensible left to do with a log line.
  }
};

function checkLevel(level: string): Level {
  if ((LEVELS as readonly string[]).includes(level)) return level as Level;
  throw new FlowcError('usage', `unknown log level "${level}"`, { hint: `use one of ${LEVELS.join(', ')}` });
}

const COLORS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };
const SHOWN_FIRST = ['flowId', 'buildTag', 'traceId'];
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', ...SHOWN_FIRST]);

/** `12:03:04.512 WARN  push rejected  flowId=chat buildTag=bld-acme-… traceId=4bf92f35 remote=origin` */
export function prettyLine(json: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = String(o.level ?? 'info');
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  const tag = level.toUpperCase().padEnd(5);
  const shownLevel = color && COLORS[level] ? `\x1b[${COLORS[level]}m${tag}\x1b[0m` : tag;
  const fields: string[] = [];
  for (const k of SHOWN_FIRST) if (o[k] !== undefined) fields.push(`${k}=${k === 'traceId' ? String(o[k]).slice(0, 8) : o[k]}`);
  for (const [k, v] of Object.entries(o)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') fields.push(`err=${JSON.stringify((v as { message?: string }).message ?? v)}`);
    else fields.push(`${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  }
  return `${time} ${shownLevel} ${o.msg ?? ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

let progressShown = false;

export function createLogger(options: LoggerOptions = {}): PinoLogger {
  // pino is CommonJS: a synchronous require lets `log` be made on its first use (see below).
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  const write = options.write ?? toStderr;
  const pretty = (options.format ?? defaultFormat()) === 'pretty';
  const color = pretty && options.write === undefined && !process.env.NO_COLOR;
  return pino(
    {
      name: 'flowc',
      level: checkLevel(options.level ?? envLevel()),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (b) => redactDeep(b) as Record<string, unknown>,
        log: (o) => redactDeep(o) as Record<string, unknown>,
      },
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { traceId } : {};
      },
      // The last word on every line: whatever slipped through as a value (an error message quoting
      // a URL with credentials, a header) is caught here.
      hooks: { streamWrite: (s) => redactText(s) },
    },
    {
      write(line: string) {
        if (pretty) {
          if (progressShown) write('\r\x1b[K');
          write(prettyLine(line, color));
        } else write(line);
      },
    },
  );
}

/** A bad FLOWC_LOG_LEVEL must not crash every import of this module; the CLI reports it (--log-level's default). */
function envLevel(): string {
  const l = process.env.FLOWC_LOG_LEVEL;
  return l && (LEVELS as readonly string[]).includes(l) ? l : 'info';
}

function defaultFormat(): 'json' | 'pretty' {
  const f = process.env.FLOWC_LOG_FORMAT;
  if (f === 'json' || f === 'pretty') return f;
  return process.stderr.isTTY ? 'pretty' : 'json';
}

registerSecretsFromEnv(process.env);

// The process logger is made (and pino loaded) when something first logs: a command that never
// logs, like the pre-commit hook's `reconcile --once --check` in sync, does not pay for it.
let made: PinoLogger | undefined;
let pendingLevel: Level | undefined;
const real = (): PinoLogger => (made ??= createLogger(pendingLevel ? { level: pendingLevel } : {}));
export const log: PinoLogger = new Proxy({} as PinoLogger, {
  get: (_, key) => {
    const l = real();
    const v = Reflect.get(l, key, l) as unknown;
    return typeof v === 'function' ? v.bind(l) : v;
  },
  set: (_, key, value) => Reflect.set(real(), key, value),
  has: (_, key) => Reflect.has(real(), key),
});
export type Logger = PinoLogger;

/** --log-level (cli.ts applies it before any command runs); throws a usage error for an unknown level. */
export function setLogLevel(level: string): void {
  const l = checkLevel(level);
  if (made) made.level = l;
  else pendingLevel = l;
}

const currentLevel = (): string => made?.level ?? pendingLevel ?? envLevel();

/**
 * A progress line for long passes, on a terminal only (a pipe gets the structured events instead):
 * `progress('compiling', 40, 1000)` redraws one line; `progress()` clears it.
 */
export function progress(label?: string, done?: number, total?: number): void {
  if (!process.stderr.isTTY || currentLevel() === 'silent') return;
  if (label === undefined) {
    if (progressShown) toStderr('\r\x1b[K');
    progressShown = false;
    return;
  }
  const count = total ? ` ${done ?? 0}/${total}` : done !== undefined ? ` ${done}` : '';
  toStderr(`\r\x1b[K${redactText(label)}${count}`);
  progressShown = true;
}
