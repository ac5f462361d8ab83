/**
 * Template rendering for every generated Python file. Templates under `templates/` are read once
 * when this module loads (program data, like code), so rendering itself is pure. Strict variables
 * and filters: a typo in a template fails loudly instead of writing `None`-ish Python.
 *
 * Filters (the only way templates turn data into Python text; all escaping lives in python.ts):
 *   py       any JSON-like value → Python expression (`py: 8` = the line starts at column 8)
 *   arg      a node argument: {param} → that parameter, {env} → a lazy os.environ read,
 *            {value} → literal (same indent argument as `py`)
 *   ident    text → Python identifier
 *   comment  text → one safe comment line
 *
 * Partials are referenced without the suffix: `{% render 'partials/runtime.py' %}`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Liquid } from 'liquidjs';
import { sha256 } from './header.js';
import { pyComment, pyExpr, pyIdent, pyStr, type PyValue } from './python.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPLATES_DIR = join(root, 'templates');

function loadTemplates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.liquid')) {
        const name = relative(dir, full).split(sep).join('/');
        const text = readFileSync(full, 'utf8');
        // A partial is spliced into a line of its caller: its final newline is the caller's.
        out[name] = name.startsWith('partials/') ? text.replace(/\n$/, '') : text;
      }
    }
  };
  walk(dir);
  return out;
}

const templates = loadTemplates(TEMPLATES_DIR);
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

const isRuntime = (name: string) => name === 'runtime.py.liquid' || name.startsWith('partials/runtime/');

/**
 * What identifies a generator, from its templates (name → text) and flowc's version. Pure.
 * - `exports`: top-level public names of the tenant runtime (templates/partials/runtime), what a
 *   flow module may import from it;
 * - `generator`: the version, every template but the runtime's, and those exported names; part of
 *   every input hash. The runtime's bodies are not, so a fix inside the runtime rebuilds the one
 *   runtime file, not every flow; a change of what it exports rebuilds them all;
 * - `runtime`: the version and the runtime's templates; part of the runtime file's input hash.
 */
export function generatorDigests(templates: Record<string, string>, version: string): { generator: string; runtime: string; exports: ReadonlySet<string> } {
  const names = Object.keys(templates).sort();
  const digest = (parts: string[]) => sha256([`flowc ${version}`, ...parts].join('\0'));
  const exports = new Set(
    names
      .filter((name) => name.startsWith('partials/runtime/'))
      .flatMap((name) => [...templates[name]!.matchAll(/^(?:def|class) (\w+)|^(\w+(?:, \w+)*) =/gm)].flatMap((m) => (m[1] ?? m[2]!).split(', ')))
      .filter((name) => !name.startsWith('_')),
  );
  return {
    generator: digest([...names.filter((name) => !isRuntime(name)).map((name) => `${name}\0${templates[name]}`), `runtime exports\0${[...exports].sort().join(' ')}`]),
    runtime: digest(names.filter(isRuntime).map((name) => `${name}\0${templates[name]}`)),
    exports,
  };
}

const digests = generatorDigests(templates, version);
export const GENERATOR_DIGEST = digests.generator;
export const RUNTIME_DIGEST = digests.runtime;
export const RUNTIME_EXPORTS = digests.exports;

// The engine (and liquidjs itself) is made on the first render: the digest needs only the bytes, and
// the no-drift pass (every pre-commit hook) renders nothing. liquidjs's main entry is CommonJS, so
// a synchronous require keeps renderTemplate synchronous.
let liquid: Liquid | undefined;
function engine(): Liquid {
  if (liquid) return liquid;
  const { Liquid: Engine } = createRequire(import.meta.url)('liquidjs') as typeof import('liquidjs');
  const e = new Engine({
    templates,
    extname: '.liquid',
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    cache: true,
  });
  e.registerFilter('py', (value: PyValue, indent?: number) => pyExpr(value, indent ?? 0));
  e.registerFilter('arg', (arg: Arg, indent?: number) => renderArg(arg, indent ?? 0));
  e.registerFilter('ident', (value: string) => pyIdent(String(value)));
  e.registerFilter('comment', (value: string) => pyComment(String(value)));
  return (liquid = e);
}

/** How a node function gets one of its inputs (see nodes/generator.ts). */
export type Arg = { param: string } | { env: string } | { envText: string } | { value: PyValue };

function renderArg(arg: Arg, indent: number): string {
  if (arg && typeof arg === 'object') {
    if ('param' in arg) return arg.param;
    // Read when the model is built, not at import: a missing key fails only the node that needs it.
    if ('env' in arg) return `lambda: os.environ[${pyStr(arg.env)}]`;
    // A global variable's value, read when the node runs.
    if ('envText' in arg) return `os.environ[${pyStr(arg.envText)}]`;
    if ('value' in arg) return pyExpr(arg.value, indent);
  }
  throw new Error(`arg filter: not an argument: ${JSON.stringify(arg)}`);
}

/** The text of a loaded template (for tests and for names the runtime reserves). */
export const templateSource = (name: string): string => {
  const text = templates[name.endsWith('.liquid') ? name : `${name}.liquid`];
  if (text === undefined) throw new Error(`no template ${name}`);
  return text;
};

/** Names of the loaded templates, e.g. `flow.py.liquid`, `nodes/prompt.py.liquid`. */
export const templateNames = (): string[] => Object.keys(templates).sort();

/**
 * Renders `templates/<name>` (with or without the `.liquid` suffix) synchronously.
 * Throws when the template is missing or uses an undefined variable or filter.
 */
export function renderTemplate(name: string, context: object): string {
  const base = name.endsWith('.liquid') ? name.slice(0, -'.liquid'.length) : name;
  if (!(`${base}.liquid` in templates)) throw new Error(`no template ${base}.liquid under ${TEMPLATES_DIR}`);
  // liquidjs appends `extname` to every lookup (partials too): refer to templates without it.
  return engine().renderFileSync(base, context as Record<string, unknown>) as string;
}
