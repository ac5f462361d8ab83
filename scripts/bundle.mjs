// Second half of `npm run build` (after tsc): bundles dist/main.js and everything it imports into
// dist/bundle/, which bin/flowc.js runs. Why: a CLI start-up on Node 20 is mostly module loading
// (zod alone is ~95 files, yaml ~70), and Node 20 has no module compile cache; `flowc reconcile
// --once --check` runs on every commit (the pre-commit hook). docs/performance.md has the numbers.
//
// - Code splitting keeps every lazy `import()` lazy (watch mode, HTTP, Python, telemetry, compiler).
// - Only BUNDLED packages go in; every other dependency stays an ordinary import from node_modules,
//   loaded exactly as from dist/ (OpenTelemetry, liquidjs, pino, got, ... — several read
//   files beside their own code or are probed by tests).
// - dist/bundle/ sits two levels below the repo root, like every dist/<layer>/<module>.js, so the
//   modules that find files through import.meta.url (`../../templates`, `../../package.json`, ...)
//   resolve the same paths; this script refuses to bundle a module that uses it at another depth
//   (createRequire(import.meta.url) excepted: package resolution does not depend on the depth).
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const BUNDLED = ['commander', 'yaml', 'zod'];

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

const misplaced = [];
const scan = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (full !== path.join(dist, 'bundle')) scan(full);
    } else if (e.name.endsWith('.js') && path.relative(dist, full).split(path.sep).length !== 2) {
      // createRequire(import.meta.url) resolves packages, the same from any depth under the root.
      const text = readFileSync(full, 'utf8');
      if (text.split('import.meta.url').length > text.split('createRequire(import.meta.url)').length) misplaced.push(path.relative(root, full));
    }
  }
};
scan(dist);
if (misplaced.length) {
  console.error(`bundle: import.meta.url outside dist/<dir>/<file>.js would resolve differently from dist/bundle/: ${misplaced.join(', ')}`);
  process.exit(1);
}

const outdir = path.join(dist, 'bundle');
const result = await build({
  entryPoints: [path.join(dist, 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  // CommonJS packages bundled into ES modules still call require() (e.g. for node: builtins).
  banner: { js: "import { createRequire as __flowcRequire } from 'node:module'; const require = __flowcRequire(import.meta.url);" },
});

// Chunks are named by content hash. A flowc process started before this build (a watcher) may still
// import() its own chunks lazily, so chunks of earlier builds stay for a day before they go.
const current = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f)));
for (const name of readdirSync(outdir)) {
  const file = path.join(outdir, name);
  if (!current.has(file) && Date.now() - statSync(file).mtimeMs > 24 * 3600_000) rmSync(file, { force: true });
}
