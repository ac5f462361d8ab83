/**
 * The tenant guard: nothing with a secret value is ever committed. `scanForSecrets` runs on every
 * staged file (flows and generated outputs) before a commit. A finding says where (path, line,
 * node id, field) and which rule fired — never the value, so a finding can be logged, shown and put
 * in an error as it is.
 *
 * Two kinds of rule:
 * - `secret-field`: a LangFlow field marked `password: true` holding a literal value. With
 *   `load_from_db: true` the value is the *name* of a variable (`OPENAI_API_KEY`), not a secret;
 *   a value shaped like an environment variable name is read the same way.
 * - key shapes (rules.ts) anywhere in the text: OpenAI, Anthropic, AWS, GitHub, Slack, private keys…
 */
import { FlowcError, FlowcErrors } from '../errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../langflow/depth.js';
import { jsonStrings, type JsonPath } from './jsonstrings.js';
import { findShapes } from './rules.js';

export interface SecretFinding {
  path: string;
  line: number;
  rule: string;
  nodeId?: string;
  field?: string;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function scanForSecrets(text: string, path: string): SecretFinding[] {
  // A pathologically deep text is scanned as text: the walk would cost memory per depth per string.
  const parsed = path.endsWith('.json') && jsonDepth(text) <= MAX_JSON_DEPTH ? tryParse(text) : undefined;
  return parsed === undefined ? scanText(text, path) : scanJson(parsed.value, text, path);
}

/** Plain text (generated Python, YAML, anything not JSON): key shapes only. */
function scanText(text: string, path: string): SecretFinding[] {
  const hits = findShapes(text);
  if (hits.length === 0) return [];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return hits.map(({ rule, index }) => ({ path, line: lineOf(lineStarts, index), rule }));
}

function scanJson(root: unknown, text: string, path: string): SecretFinding[] {
  const findings = new Map<string, SecretFinding>();
  const strings = jsonStrings(text);
  // Only a secret field needs it (rare): built on first need, not for every flow scanned.
  let lines: Map<string, number> | undefined;
  const lineOfValue = (p: JsonPath) => (lines ??= new Map(strings.filter((s) => !s.isKey).map((s) => [key(s.path), s.line]))).get(key(p));

  for (const { at, field } of secretFields(root)) {
    const valuePath = [...at, 'value'];
    findings.set(key(valuePath), {
      path,
      line: lineOfValue(valuePath) ?? 1,
      rule: 'secret-field',
      ...nodeOf(root, at),
      field,
    });
  }
  for (const s of strings) {
    const hit = findShapes(s.value)[0];
    if (!hit) continue;
    // One finding per value: a key shape inside a secret field names the more telling rule.
    // A key is named by where it sits (its parent), never by itself.
    const at = s.isKey ? s.path.slice(0, -1) : s.path;
    const named = fieldOf(at);
    const field = named && findShapes(named).length === 0 ? named : undefined; // a field named by a secret is not named
    findings.set(`${s.isKey ? 'key:' : ''}${key(s.path)}`, { path, line: s.line, rule: hit.rule, ...nodeOf(root, at), ...(field ? { field } : {}) });
  }
  return [...findings.values()].sort((a, b) => a.line - b.line);
}

/** Objects marked `password: true` whose `value` is a literal (not a variable name). */
function* secretFields(node: unknown, at: JsonPath = []): Generator<{ at: JsonPath; field: string }> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* secretFields(node[i], [...at, i]);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.password === true) {
    const field = typeof o.name === 'string' ? o.name : String(at[at.length - 1]);
    if (typeof o.value === 'string') {
      const value = o.value.trim();
      const isName = o.load_from_db === true || ENV_NAME.test(value);
      if (value !== '' && !isName) yield { at, field };
    } else if (hasContent(o.value)) {
      // A list, object or number in a password field is no variable name: whatever it holds is treated as the secret.
      yield { at, field };
    }
  }
  for (const [k, v] of Object.entries(o)) if (v !== null && typeof v === 'object') yield* secretFields(v, [...at, k]);
}

/** A value with anything in it: a non-empty string, a number, or a list/object holding one. */
function hasContent(v: unknown): boolean {
  if (typeof v === 'string') return v.trim() !== '';
  if (typeof v === 'number') return true;
  if (Array.isArray(v)) return v.some(hasContent);
  if (v !== null && typeof v === 'object') return Object.values(v as object).some(hasContent);
  return false;
}

/** The innermost LangFlow node (`…nodes[i]`) holding `at`, by its id. */
function nodeOf(root: unknown, at: JsonPath): { nodeId?: string } {
  let nodeId: string | undefined;
  let cur: unknown = root;
  for (let k = 0; k < at.length; k++) {
    cur = (cur as Record<string | number, unknown> | undefined)?.[at[k]!];
    if (at[k - 1] === 'nodes' && typeof at[k] === 'number' && cur && typeof cur === 'object') {
      const n = cur as { id?: unknown; data?: { id?: unknown } };
      const id = typeof n.id === 'string' ? n.id : n.data?.id;
      if (typeof id === 'string') nodeId = id;
    }
  }
  return nodeId === undefined ? {} : { nodeId };
}

/** The template field a value belongs to (`template.<field>.value`), else the nearest key. */
function fieldOf(at: JsonPath): string | undefined {
  // `data.node.template.<field>.value`; a prompt's own field is also called `template`.
  let t = -1;
  for (let k = 1; k < at.length; k++) if (at[k] === 'template' && at[k - 1] === 'node') t = k;
  if (t < 0) t = at.lastIndexOf('template');
  if (t >= 0 && typeof at[t + 1] === 'string') return at[t + 1] as string;
  for (let k = at.length - 1; k >= 0; k--) if (typeof at[k] === 'string') return at[k] as string;
  return undefined;
}

/** One line a person can act on; never the value. */
export function describeFinding(f: SecretFinding): string {
  const where = [f.nodeId && `node ${f.nodeId}`, f.field && `field ${f.field}`].filter(Boolean).join(', ');
  return `${f.path}:${f.line}: ${where ? `${where}: ` : ''}literal secret (rule ${f.rule})`;
}

/** The error that refuses a build: every finding, each naming file, node, field and rule. */
export function secretsError(findings: SecretFinding[]): FlowcError {
  const hint =
    'remove the value; in LangFlow mark the field "load from database" with a variable name (e.g. OPENAI_API_KEY) so the generated code reads it from the environment';
  const errors = findings.map(
    (f) =>
      new FlowcError('secret', `literal secret (rule ${f.rule}) at line ${f.line}`, {
        where: { file: f.path, nodeId: f.nodeId, field: f.field },
        hint,
      }),
  );
  if (errors.length === 1) return errors[0]!;
  return new FlowcErrors(errors, `${findings.length} literal secrets found; nothing was committed`);
}

function tryParse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

const key = (p: JsonPath): string => JSON.stringify(p);

function lineOf(lineStarts: number[], index: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
