/**
 * The `flowc.yaml` schema (snake_case, as written by people) and the typed `Config` (camelCase, as
 * read by code). Unknown keys are refused rather than ignored: a misspelt `debounce_ms` silently
 * falling back to the default is worse than an error naming the key.
 */
import * as z from 'zod';

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Repo-relative directory: no absolute path, no `..`, POSIX separators, not inside `.git`. */
const relDir = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('/') && !s.split('/').includes('..') && !s.includes('\\'), {
    message: 'must be a path inside the repo (relative, no "..", forward slashes)',
  })
  // Git never commits what is inside .git: outputs there would be built, never committed, and reported Synced.
  .refine((s) => !s.split('/').some((part) => part.toLowerCase() === '.git'), {
    message: 'must not be inside .git (git commits nothing there)',
  })
  .transform((s) => s.replace(/\/+$/, ''));

const url = z.string().url();

/** One URL, or several (host replicas) separated by commas or spaces, as an env variable can hold them. */
const urls = z.string().refine((s) => splitUrls(s).length > 0 && splitUrls(s).every((u) => url.safeParse(u).success), { message: 'expected a URL, or several separated by commas' });

export const splitUrls = (s: string): string[] => s.split(/[\s,]+/).filter(Boolean);

/** `suspend: true` (the whole tenant) or a list of flow ids: neither built nor pruned (`flowc suspend`). */
export const suspendSchema = z.union([z.boolean(), z.array(z.string().min(1))]).default(false);

export interface Suspension {
  all: boolean;
  flows: string[];
}

export const suspensionOf = (value: z.output<typeof suspendSchema>): Suspension => (typeof value === 'boolean' ? { all: value, flows: [] } : { all: false, flows: [...new Set(value)].sort() });

export const fileSchema = z
  .object({
    slug: z.string().regex(SLUG_RE, 'lowercase letters, digits and dashes; starts and ends with a letter or digit'),
    stack_port: z.coerce.number().int().min(1).max(65535).optional(),
    flows_dir: relDir.default('flows'),
    output_dir: relDir.default('app/flows'),
    tests_dir: relDir.default('tests/smoke'),
    branch: z.string().min(1).optional(),
    remote: z.string().min(1).default('origin'),
    tag_prefix: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, ".", "_", "-", "/"').optional(),
    debounce_ms: z.coerce.number().int().min(0).max(60_000).default(200),
    resync_seconds: z.coerce.number().int().min(1).max(86_400).default(300),
    /** Flows compiled per pass at most: a large first build goes in batches of this many (memory stays bounded). */
    batch_flows: z.coerce.number().int().min(1).max(100_000).default(500),
    /** Python checkers that validate a build's files side by side; default: one per core. */
    workers: z.coerce.number().int().min(1).max(64).optional(),
    validate: z.enum(['none', 'compile', 'smoke']).default('compile'),
    secrets: z.enum(['refuse', 'scrub']).default('refuse'),
    /** Components whose code was written or edited in LangFlow: run from their source, or refused. */
    custom_components: z.enum(['allow', 'refuse']).default('allow'),
    /** Python used for validation (black + compile, smoke tests); env FLOWC_PYTHON. */
    python: z.string().min(1).default('python3'),
    suspend: suspendSchema,
    /** Where builds, failures and recoveries are posted (docs/reconcile.md, Notifications). */
    notify: z
      .array(
        z
          .object({
            /** The URL itself, or the variable that holds it (a Slack webhook URL is a credential). */
            url: url.optional(),
            url_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
            format: z.enum(['slack', 'webhook']).default('webhook'),
          })
          .strict()
          .refine((t) => (t.url === undefined) !== (t.url_env === undefined), { message: 'give url or url_env (one of them)' }),
      )
      .default([]),
    langserve: z
      .object({
        url: urls.optional(),
        /** Only from the environment (LANGSERVE_RESTART_TOKEN); refused in the file. */
        token: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    telemetry: z
      .object({
        phoenix: url.optional(),
        jaeger: url.optional(),
        service_name: z.string().min(1).default('flowc'),
        project_name: z.string().min(1).optional(),
      })
      .strict()
      .default({ service_name: 'flowc' }),
    webhook: z
      .object({
        listen: z.string().regex(/^[^\s:]*:\d{1,5}$/, 'host:port').default('127.0.0.1:8081'),
        require: z.array(z.enum(['api_key', 'signature'])).default([]),
      })
      .strict()
      .default({ listen: '127.0.0.1:8081', require: [] }),
  })
  .strict();

export type FileConfig = z.input<typeof fileSchema>;

export interface Config {
  /** Absolute path of the tenant repo root. */
  repoRoot: string;
  slug: string;
  stackPort: number | undefined;
  flowsDir: string;
  outputDir: string;
  testsDir: string;
  branch: string;
  remote: string;
  tagPrefix: string;
  debounceMs: number;
  resyncSeconds: number;
  batchFlows: number;
  workers: number;
  validate: 'none' | 'compile' | 'smoke';
  secrets: 'refuse' | 'scrub';
  customComponents: 'allow' | 'refuse';
  /** As flowc.yaml said at start-up; a pass reads it afresh (`readSuspension`), so `flowc suspend` acts at once. */
  suspend: Suspension;
  /** Notification targets (URLs resolved from the environment where named there). */
  notify: Array<{ url: string; format: 'slack' | 'webhook' }>;
  /** FLOWC_NOTIFY_SECRET: signs the generic webhook notifications (Standard Webhooks). */
  notifySecret: string | undefined;
  python: string;
  /** `urls`: every host to reload after a build (replicas); empty when none is configured. */
  langserve: { urls: string[]; token: string | undefined };
  telemetry: { phoenix: string | undefined; jaeger: string | undefined; serviceName: string; projectName: string };
  webhook: { listen: string; require: Array<'api_key' | 'signature'>; apiKey: string | undefined; signingSecret: string | undefined };
  /**
   * The git push token: GIT_TOKEN, or GIT_TOKEN_FILE read afresh at each push (a Vault-agent file
   * rotates). A closure, so printing or serialising the Config never shows the value.
   */
  gitToken: { source: 'GIT_TOKEN' | 'GIT_TOKEN_FILE'; read(): string | undefined } | undefined;
}
