/**
 * `flowc.yaml` + environment → one typed Config, or one FlowcErrors (kind 'config') that lists
 * every problem with its key, so a user fixes the file in one go. Environment variables win over
 * the file (a deployment overrides what the repo says); secrets come only from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { FlowcError, FlowcErrors } from '../errors.js';
import { fileSchema, splitUrls, suspendSchema, suspensionOf, type Config, type Suspension } from './schema.js';

export const CONFIG_FILE = 'flowc.yaml';

/** Environment variable → dotted flowc.yaml key. Values are strings; zod coerces numbers. */
export const ENV_OVERRIDES: ReadonlyArray<readonly [env: string, key: string]> = [
  ['FLOWC_SLUG', 'slug'],
  ['FLOWC_STACK_PORT', 'stack_port'],
  ['FLOWC_FLOWS_DIR', 'flows_dir'],
  ['FLOWC_OUTPUT_DIR', 'output_dir'],
  ['FLOWC_TESTS_DIR', 'tests_dir'],
  ['FLOWC_BRANCH', 'branch'],
  ['FLOWC_REMOTE', 'remote'],
  ['FLOWC_TAG_PREFIX', 'tag_prefix'],
  ['FLOWC_DEBOUNCE_MS', 'debounce_ms'],
  ['FLOWC_RESYNC_SECONDS', 'resync_seconds'],
  ['FLOWC_BATCH_FLOWS', 'batch_flows'],
  ['FLOWC_WORKERS', 'workers'],
  ['FLOWC_VALIDATE', 'validate'],
  ['FLOWC_SECRETS', 'secrets'],
  ['FLOWC_CUSTOM_COMPONENTS', 'custom_components'],
  ['FLOWC_PYTHON', 'python'],
  ['LANGSERVE_URL', 'langserve.url'], // the name the LangServe issue and deployers use
  ['FLOWC_LANGSERVE_URL', 'langserve.url'],
  ['FLOWC_TELEMETRY_PHOENIX', 'telemetry.phoenix'],
  ['FLOWC_TELEMETRY_JAEGER', 'telemetry.jaeger'],
  ['FLOWC_TELEMETRY_SERVICE_NAME', 'telemetry.service_name'],
  ['FLOWC_TELEMETRY_PROJECT_NAME', 'telemetry.project_name'],
  ['FLOWC_WEBHOOK_LISTEN', 'webhook.listen'],
  ['FLOWC_WEBHOOK_REQUIRE', 'webhook.require'],
];

/** Keys that hold secrets: environment only, never the committed file. */
const SECRET_KEYS: Record<string, string> = { 'langserve.token': 'LANGSERVE_RESTART_TOKEN' };

type Env = Record<string, string | undefined>;

export function loadConfig(repoRoot: string, env: Env = process.env): Config {
  const root = path.resolve(repoRoot);
  const file = path.join(root, CONFIG_FILE);
  const problems: FlowcError[] = [];
  const problem = (field: string, message: string, hint?: string) =>
    problems.push(new FlowcError('config', message, { where: { file: CONFIG_FILE, field }, ...(hint ? { hint } : {}) }));

  let raw: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new FlowcError('config', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    for (const e of doc.errors) problem(`line ${e.linePos?.[0]?.line ?? '?'}`, e.message.split('\n')[0] ?? 'invalid YAML', 'fix the YAML syntax');
    const value = doc.errors.length ? {} : doc.toJS();
    if (value === null || value === undefined) raw = {};
    else if (typeof value !== 'object' || Array.isArray(value)) problem('(root)', 'must be a mapping of keys to values');
    else raw = value as Record<string, unknown>;
  }

  for (const [key, envName] of Object.entries(SECRET_KEYS)) {
    if (getPath(raw, key) !== undefined) problem(key, 'secrets must not be written in flowc.yaml (it is committed)', `remove it and set ${envName} in the environment`);
    deletePath(raw, key);
  }

  const fromEnv = new Map<string, string>();
  for (const [envName, key] of ENV_OVERRIDES) {
    const v = env[envName];
    if (v === undefined || v === '') continue;
    setPath(raw, key, key === 'webhook.require' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);
    fromEnv.set(key, envName);
  }
  if (env.LANGSERVE_RESTART_TOKEN) setPath(raw, 'langserve.token', env.LANGSERVE_RESTART_TOKEN);

  if (raw.slug === undefined) {
    problem('slug', text === undefined ? `no ${CONFIG_FILE} in ${root} and FLOWC_SLUG is not set` : 'required', text === undefined ? 'run `flowc init --slug <slug>` or set FLOWC_SLUG' : 'add `slug: <tenant>`');
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === 'slug' && raw.slug === undefined) continue; // reported above, with a better hint
      const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [undefined];
      for (const k of keys) {
        const dotted = [...issue.path, ...(k === undefined ? [] : [k])].join('.') || '(root)';
        const envName = fromEnv.get(dotted);
        const field = envName ? `${dotted} (from ${envName})` : dotted;
        const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
        problem(field, message, issue.code === 'unrecognized_keys' ? 'see docs/reconcile.md for the keys flowc.yaml accepts' : undefined);
      }
    }
  }

  const gitToken = env.GIT_TOKEN
    ? { source: 'GIT_TOKEN' as const, read: () => env.GIT_TOKEN }
    : env.GIT_TOKEN_FILE
      ? { source: 'GIT_TOKEN_FILE' as const, read: () => readTokenFile(env.GIT_TOKEN_FILE!) }
      : undefined;

  if (problems.length || !parsed.success) {
    throw new FlowcErrors(problems, `invalid configuration (${path.join(root, CONFIG_FILE)}): ${problems.length} problem(s)`);
  }
  const c = parsed.data;
  return {
    repoRoot: root,
    slug: c.slug,
    stackPort: c.stack_port,
    flowsDir: c.flows_dir,
    outputDir: c.output_dir,
    testsDir: c.tests_dir,
    branch: c.branch ?? `tenant/${c.slug}`,
    remote: c.remote,
    tagPrefix: c.tag_prefix ?? `bld-${c.slug}-`,
    debounceMs: c.debounce_ms,
    resyncSeconds: c.resync_seconds,
    batchFlows: c.batch_flows,
    workers: c.workers ?? availableParallelism(),
    validate: c.validate,
    secrets: c.secrets,
    customComponents: c.custom_components,
    suspend: suspensionOf(c.suspend),
    notify: c.notify.flatMap((n) => {
      const target = n.url ?? env[n.url_env!];
      return target ? [{ url: target, format: n.format }] : [];
    }),
    notifySecret: env.FLOWC_NOTIFY_SECRET || undefined,
    python: raw.python === undefined ? defaultPython() : c.python,
    langserve: { urls: c.langserve.url ? splitUrls(c.langserve.url) : [], token: c.langserve.token },
    telemetry: { phoenix: c.telemetry.phoenix, jaeger: c.telemetry.jaeger, serviceName: c.telemetry.service_name, projectName: c.telemetry.project_name ?? c.slug },
    webhook: { listen: c.webhook.listen, require: c.webhook.require, apiKey: env.FLOWC_WEBHOOK_API_KEY || undefined, signingSecret: env.FLOWC_WEBHOOK_SECRET || undefined },
    gitToken,
  };
}

/** flowc's own venv (scripts/pyenv.sh: black, pytest, langchain) when there is one, else `python3`. */
function defaultPython(): string {
  const venv = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.venv/bin/python');
  return existsSync(venv) ? venv : 'python3';
}

/** Reads a token file (e.g. rendered by a Vault agent); the error never carries its content. */
function readTokenFile(file: string): string | undefined {
  try {
    const t = readFileSync(file, 'utf8').trim();
    return t || undefined;
  } catch (err) {
    throw new FlowcError('config', `cannot read GIT_TOKEN_FILE ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: 'check the path and that flowc may read it',
      transient: true,
    });
  }
}

function getPath(obj: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

function deletePath(obj: Record<string, unknown>, dotted: string): void {
  const keys = dotted.split('.');
  const parent = getPath(obj, keys.slice(0, -1).join('.'));
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[keys[keys.length - 1]!];
}

/**
 * flowc.yaml's `suspend`, read now: a pass acts on what the file says at its start, so a
 * `flowc suspend` (or an edit) takes effect without restarting the reconciler.
 */
export function readSuspension(repoRoot: string): Suspension {
  let value: unknown;
  try {
    const doc = parseDocument(readFileSync(path.join(repoRoot, CONFIG_FILE), 'utf8'));
    value = doc.errors.length ? undefined : (doc.toJS() as Record<string, unknown> | null)?.suspend;
  } catch {
    value = undefined; // no flowc.yaml: nothing suspended
  }
  const parsed = suspendSchema.safeParse(value);
  if (!parsed.success) {
    throw new FlowcError('config', 'suspend must be true, false or a list of flow ids', { where: { file: CONFIG_FILE, field: 'suspend' }, hint: 'e.g. `suspend: [support-bot]`, or run flowc suspend / flowc resume' });
  }
  return suspensionOf(parsed.data);
}
