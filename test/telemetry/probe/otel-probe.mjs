// `node --import <this>`: appends every @opentelemetry module the process loads (ESM or CommonJS)
// to the file named by $OTEL_PROBE_FILE, so a test can tell whether OpenTelemetry was loaded at all.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.OTEL_PROBE_FILE;
if (file) {
  register(new URL('./otel-probe-hooks.mjs', import.meta.url));
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request.includes('@opentelemetry/')) appendFileSync(file, `cjs ${request}\n`);
    return load.call(this, request, ...rest);
  };
}
