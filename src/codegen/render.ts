/**
 * Template rendering for every generated Python file. Templates under `templates/` are read once
 * when this module loads (program data, like code), so rendering itself is pure. Strict variables
 * and filters: a typo in a template fails loudly instead of writing `None`-ish Python.
 *
 * Filters (the only way templates turn data into Python text; all escaping lives in python.ts):
 *   py       any JSON-like value → Python literal
 *   ident    text → Python identifier
 *   comment  text → one safe comment line
 *
 * Partials are referenced without the suffix: `{% render 'partials/runtime.py' %}`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import { sha256 } from './header.js';
import { pyComment, pyIdent, pyLiteral, type PyValue } from './python.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPLATES_DIR = join(root, 'templates');

function loadTemplates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.liquid')) out[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const templates = loadTemplates(TEMPLATES_DIR);
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** sha256 over flowc's version and every template (name + bytes): part of every input hash. */
export const GENERATOR_DIGEST = sha256(
  [`flowc ${version}`, ...Object.keys(templates).sort().map((name) => `${name}\0${templates[name]}`)].join('\0'),
);

const engine = new Liquid({
  templates,
  extname: '.liquid',
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  greedy: false,
  cache: true,
});
engine.registerFilter('py', (value: PyValue) => pyLiteral(value));
engine.registerFilter('ident', (value: string) => pyIdent(String(value)));
engine.registerFilter('comment', (value: string) => pyComment(String(value)));

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
  return engine.renderFileSync(base, context as Record<string, unknown>) as string;
}
