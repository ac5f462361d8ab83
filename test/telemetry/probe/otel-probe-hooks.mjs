// Module resolve hook (runs on the loader thread) for otel-probe.mjs.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.includes('/@opentelemetry/')) appendFileSync(process.env.OTEL_PROBE_FILE, `esm ${result.url}\n`);
  return result;
}
