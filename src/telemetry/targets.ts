/**
 * Where spans go: config `telemetry.phoenix` / `telemetry.jaeger` plus the standard OTEL_* variables,
 * resolved into a list of OTLP/HTTP trace endpoints. Pure (env comes in as a parameter) and free of
 * OpenTelemetry imports, so deciding "nothing to export" costs nothing.
 */

/** The `telemetry` block of Config (src/config), structurally. */
export interface TelemetrySettings {
  phoenix?: string | undefined;
  jaeger?: string | undefined;
  serviceName?: string | undefined;
  projectName?: string | undefined;
}

export interface TelemetryTarget {
  /** Where the setting came from, for logs (`phoenix`, `jaeger`, `otel`). */
  name: string;
  /** Full OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
}

export interface ResolvedTelemetry {
  targets: TelemetryTarget[];
  serviceName: string;
  serviceVersion: string;
  /** Phoenix project (`openinference.project.name` resource attribute). */
  projectName: string;
  /** Per export attempt, retries included; bounds how long an unreachable collector can hold a build. */
  timeoutMs: number;
}

/** Short enough that a dead collector never holds a build for long; OTEL_EXPORTER_OTLP_*TIMEOUT overrides. */
export const DEFAULT_EXPORT_TIMEOUT_MS = 2000;

type Env = Record<string, string | undefined>;

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v.trim() : undefined);

/** `http://host:6006` → `http://host:6006/v1/traces`; a URL that already names a path is kept. */
export function tracesUrl(base: string): string {
  const u = new URL(base);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/traces';
  return u.toString();
}

/** The trace URLs flowc.yaml itself names (telemetry.phoenix, .jaeger), in that order, each once. */
export function configuredCollectors(settings: TelemetrySettings | undefined): string[] {
  const urls = [settings?.phoenix, settings?.jaeger].map(nonEmpty).filter((u): u is string => u !== undefined).map(tracesUrl);
  return [...new Set(urls)];
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the spec appends `v1/traces` to whatever path it has. */
function appendTracesPath(base: string): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/traces`;
  return u.toString();
}

function timeoutFrom(env: Env): number {
  for (const key of ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT']) {
    const n = Number(nonEmpty(env[key]));
    if (Number.isFinite(n) && n > 0) return n;
  }
  return DEFAULT_EXPORT_TIMEOUT_MS;
}

/**
 * Returns undefined when nothing is configured (or OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none):
 * the caller then never loads OpenTelemetry at all.
 */
export function resolveTelemetry(
  settings: TelemetrySettings | undefined,
  env: Env,
  defaults: { serviceVersion: string; projectName?: string },
): ResolvedTelemetry | undefined {
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return undefined;
  if (nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase() === 'none') return undefined;

  const candidates: TelemetryTarget[] = [];
  const phoenix = nonEmpty(settings?.phoenix);
  const jaeger = nonEmpty(settings?.jaeger);
  if (phoenix) candidates.push({ name: 'phoenix', url: tracesUrl(phoenix) });
  if (jaeger) candidates.push({ name: 'jaeger', url: tracesUrl(jaeger) });
  // The host (app/server.py) applies the same rule to the same settings: configuredCollectors.
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const generic = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (specific) candidates.push({ name: 'otel', url: new URL(specific).toString() });
  else if (generic) candidates.push({ name: 'otel', url: appendTracesPath(generic) });

  // The same collector named twice (config and env) gets each span once.
  const seen = new Set<string>();
  const targets = candidates.filter((t) => (seen.has(t.url) ? false : (seen.add(t.url), true)));
  if (targets.length === 0) return undefined;

  return {
    targets,
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? nonEmpty(settings?.serviceName) ?? 'flowc',
    serviceVersion: defaults.serviceVersion,
    projectName: nonEmpty(settings?.projectName) ?? nonEmpty(env.PHOENIX_PROJECT_NAME) ?? defaults.projectName ?? 'flowc',
    timeoutMs: timeoutFrom(env),
  };
}
