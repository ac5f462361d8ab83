// `node --import <this>`: appends every module the process loads to $LOAD_PROBE_FILE, one per line:
// `esm <url>` for what the ES module loader loads (CommonJS reached through `import` included) and
// `cjs <request>` for every require(). A test reads it to tell which libraries a command loaded.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.LOAD_PROBE_FILE;
if (file) {
  register(new URL('./load-probe-hooks.mjs', import.meta.url));
  const load = Module._load;
  Module._load = function (request, ...rest) {
    appendFileSync(file, `cjs ${request}\n`);
    return load.call(this, request, ...rest);
  };
}
