/**
 * The tenant's Python requirements. `requirements.txt` (written once by `flowc init`, the tenant's
 * to edit) holds the host's base environment and includes `requirements-flows.txt`, a tenant file
 * flowc regenerates with every build: what the flows need beyond the base. Today that is LangFlow's
 * runtime, lfx, and what only it and LangFlow's components pull in, listed only while a flow runs a
 * component from its LangFlow source (issue 13). Both are exact pins from flowc's own
 * `python/requirements.txt`, the environment flowc checks the generated code in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowcError } from '../errors.js';
import { sha256, withHeader } from './header.js';
import { GENERATOR_DIGEST } from './render.js';
import type { GeneratedFile } from './types.js';

/** flowc's pinned environment (scripts/pyenv.sh builds its venv from it). dist/codegen → ../../python. */
export const FLOWC_REQUIREMENTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../python/requirements.txt');

/** The generated part of the tenant's requirements, beside `requirements.txt` (which includes it). */
export const FLOWS_REQUIREMENTS_PATH = 'requirements-flows.txt';

/**
 * Pins flowc needs for its own checks but the host never imports: black and pytest, and what only
 * they pull in (computed from the venv's metadata; test/cli/init.test.ts keeps it exact). A pin
 * also in LFX_ONLY goes to the flows' file when a flow needs lfx.
 */
export const CHECK_ONLY = new Set(['black', 'pytest', 'iniconfig', 'pluggy', 'mypy-extensions', 'pathspec', 'pytokens']);

/**
 * What only lfx and the components it runs need (lfx itself, langchain-community, which LangFlow's
 * components import without lfx requiring it, and everything those require that the host's own
 * imports do not): the dependency closure of the two minus the host's, from the venv's metadata.
 * test/cli/init.test.ts recomputes it and names any difference.
 */
export const LFX_ONLY = new Set(
  (
    'a2wsgi ag-ui-protocol aiofile aiofiles aiohappyeyeballs aiohttp aiosignal asyncer attrs bcrypt beautifulsoup4 cachetools caio chardet ' +
    'dataclasses-json defusedxml emoji et-xmlfile filelock flatbuffers frozenlist greenlet gunicorn h2 hpack httpx-sse hyperframe json-repair ' +
    'jsonschema jsonschema-specifications langchain-classic langchain-community langchain-text-splitters langflow-sdk lfx loguru magika ' +
    'markdown-it-py markdownify markitdown marshmallow mcp mdurl multidict mypy-extensions nanoid networkx onnxruntime openpyxl pillow ' +
    'platformdirs propcache psutil pydantic-settings pygments pyjwt pypdf python-dotenv python-multipart referencing rich rpds-py setuptools ' +
    'shellingham six soupsieve sqlalchemy structlog toml tomli typer typing-inspect validators wheel yarl'
  ).split(' '),
);

/** PEP 503 normalised distribution name (`PyYAML` → `pyyaml`, `mypy_extensions` → `mypy-extensions`). */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

export interface Pin {
  name: string;
  version: string;
  line: string;
}

/** `name==version` lines of a requirements file (comments, blanks and options skipped). */
export function parsePins(text: string): Pin[] {
  const pins: Pin[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$/.exec(line);
    if (m) pins.push({ name: m[1]!, version: m[2]!, line });
  }
  return pins;
}

const pinsRead = new Map<string, Pin[]>();

/** flowc's pins, read once per process. */
export function flowcPins(source = FLOWC_REQUIREMENTS): Pin[] {
  let pins = pinsRead.get(source);
  if (pins) return pins;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new FlowcError('io', `cannot read flowc's pinned Python requirements (${source}): ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'reinstall flowc: its python/requirements.txt belongs to the installation',
    });
  }
  pins = parsePins(text);
  pinsRead.set(source, pins);
  return pins;
}

/** The host's base pins: flowc's, minus its check-only tools and what only lfx needs. */
export const basePins = (source?: string): Pin[] => flowcPins(source).filter((p) => !CHECK_ONLY.has(canonicalName(p.name)) && !LFX_ONLY.has(canonicalName(p.name)));

/** The pins a flow run with lfx adds to the base. */
export const lfxPins = (source?: string): Pin[] => flowcPins(source).filter((p) => LFX_ONLY.has(canonicalName(p.name)));

export interface FlowsRequirementsOptions {
  /** Module ids of the flows whose build runs a component from its LangFlow source. */
  lfxFlows?: readonly string[];
}

function lines(options: FlowsRequirementsOptions): string[] {
  const needs = [...new Set(options.lfxFlows ?? [])].sort().map((id) => `flow_${id}.py`);
  const intro = [
    "# Python packages the tenant's flows need beyond the host's base environment (requirements.txt",
    '# includes this file). LangFlow\'s runtime, lfx, is listed only while a flow runs a component',
    '# from its LangFlow source.',
  ];
  if (needs.length === 0) return [...intro, '# No flow does now: the base environment runs them all.'];
  return [...intro, `# Needed by: ${needs.join(', ')}.`, ...lfxPins().map((p) => p.line)];
}

export function flowsRequirementsInput(options: FlowsRequirementsOptions): { path: string; inputSha256: string } {
  return { path: FLOWS_REQUIREMENTS_PATH, inputSha256: sha256(JSON.stringify({ generator: GENERATOR_DIGEST, lines: lines(options) })) };
}

export function compileFlowsRequirements(options: FlowsRequirementsOptions): GeneratedFile {
  const { path: file, inputSha256 } = flowsRequirementsInput(options);
  return { path: file, content: withHeader(`${lines(options).join('\n')}\n`, { source: 'flowc.yaml', inputSha256, generator: GENERATOR_DIGEST }) };
}
