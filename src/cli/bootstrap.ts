/**
 * The tenant files `flowc init` writes beside flowc.yaml (issue 7): `.gitattributes`, so code hosts
 * fold generated files out of diffs and language stats, and `requirements.txt`, the pinned Python
 * environment of the tenant's LangServe host. Both are plain text built from the config and from
 * flowc's own pins; init merges them into what the tenant already has and never drops a user's line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_PATH } from '../codegen/server.js';
import type { Config } from '../config/schema.js';
import { FlowcError } from '../errors.js';

/** flowc's pinned environment (scripts/pyenv.sh builds its venv from it). dist/cli → ../../python. */
export const FLOWC_REQUIREMENTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../python/requirements.txt');

/**
 * Pins flowc needs for its own checks but the host never imports: black and pytest, and what only
 * they pull in (computed from the venv's metadata: none of these is required by langchain,
 * langgraph, langserve, fastapi, uvicorn, the provider clients or OpenTelemetry). A pin missing
 * here errs on the safe side: the host installs one package too many, never one too few.
 */
export const CHECK_ONLY = new Set(['black', 'pytest', 'iniconfig', 'pluggy', 'mypy-extensions', 'pathspec', 'pytokens']);

/** PEP 503 normalised distribution name (`PyYAML` → `pyyaml`, `mypy_extensions` → `mypy-extensions`). */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** `name==version` lines of a requirements file (comments, blanks and options skipped). */
export function parsePins(text: string): Array<{ name: string; version: string; line: string }> {
  const pins: Array<{ name: string; version: string; line: string }> = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$/.exec(line);
    if (m) pins.push({ name: m[1]!, version: m[2]!, line });
  }
  return pins;
}

/** The host's requirements: flowc's exact pins minus the check-only tools. */
export function hostRequirements(slug: string, source = FLOWC_REQUIREMENTS): string {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new FlowcError('io', `cannot read flowc's pinned Python requirements (${source}): ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'reinstall flowc: its python/requirements.txt belongs to the installation',
    });
  }
  const all = parsePins(text);
  const pytest = all.find((p) => canonicalName(p.name) === 'pytest');
  return [
    `# Python environment of the LangServe host of tenant ${slug} (${SERVER_PATH} and the generated flows).`,
    "# Exact pins from flowc's python/requirements.txt, without its check-only tools (black, pytest).",
    '# Set up: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt',
    `# Running the smoke tests (tests/smoke) by hand also needs ${pytest ? pytest.line : 'pytest'}.`,
    ...all.filter((p) => !CHECK_ONLY.has(canonicalName(p.name))).map((p) => p.line),
    '',
  ].join('\n');
}

/** `.gitattributes` lines marking every generated path `linguist-generated`. */
export function generatedAttributes(config: Pick<Config, 'outputDir' | 'testsDir'>): string[] {
  return [`${config.outputDir}/** linguist-generated=true`, `${config.testsDir}/** linguist-generated=true`, `${SERVER_PATH} linguist-generated=true`, 'langgraph.json linguist-generated=true'];
}

/** `current` plus whichever of `lines` it lacks (one per line; an existing file's lines are kept as they are). */
export function mergeLines(current: string, lines: string[]): string {
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const want = lines.filter((l) => !have.has(l));
  if (!want.length) return current;
  return `${current}${current && !current.endsWith('\n') ? '\n' : ''}${want.join('\n')}\n`;
}
