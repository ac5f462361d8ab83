// Module load hook (runs on the loader thread) for load-probe.mjs.
import { appendFileSync } from 'node:fs';

export async function load(url, context, next) {
  const result = await next(url, context);
  if (!url.startsWith('node:')) appendFileSync(process.env.LOAD_PROBE_FILE, `esm ${url}\n`);
  return result;
}
