/**
 * What docker compose does to compose.yaml before it validates it: read an env file, substitute
 * ${VAR} forms. Shared by the compose tests.
 */
/** KEY=VALUE lines, as docker compose reads --env-file. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** Compose's substitution: ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, $V, and $$ for a literal $. */
export function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name, op, arg, bare) => {
      if (all === '$$') return '$';
      const key = name ?? bare;
      const v = env[key];
      const unset = v === undefined || (op?.startsWith(':') && v === '');
      if (!unset) return v!;
      if (op === ':-' || op === '-') return arg;
      if (op === ':?' || op === '?') throw new Error(`required variable ${key} is missing: ${arg}`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}
