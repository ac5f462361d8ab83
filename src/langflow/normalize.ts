/**
 * Bytes of a LangFlow export → a normalised flow: notes dropped, canonical types, template fields
 * typed, edge handles read from `edge.data` (the `œ`-encoded handle strings as fallback), loop
 * feedback edges marked. Also the layout-free canonical JSON that the input hash is taken over.
 * Pure; every problem is a FlowcError naming the file (and node/field where there is one).
 */
import * as z from 'zod';
import { FlowcError } from '../errors.js';
import { canonicalType } from './aliases.js';
import { jsonDepth, MAX_JSON_DEPTH } from './depth.js';
import { Edge, Field, Flow, Node, SourceHandle, TargetHandle, type RawOutput } from './schema.js';
import { detectSchemaVersion } from './version.js';

export interface NormalField {
  name: string;
  value: unknown;
  type: string;
  inputType: string;
  password: boolean;
  loadFromDb: boolean;
  inputTypes: string[];
  displayName: string;
  /** A list input: what edges bring is collected into one list (LangFlow's `list: true`). */
  list: boolean;
}

export interface NormalOutput {
  name: string;
  types: string[];
  displayName: string;
  /** The component's method that computes it (what lfx calls), when the export says. */
  method: string | null;
}

export interface NormalNode {
  id: string;
  /** Canonical type (see aliases.ts); the registry keys on it. */
  type: string;
  /** `data.type` as exported, for messages. */
  dataType: string;
  module: string | null;
  displayName: string;
  fields: Record<string, NormalField>;
  outputs: NormalOutput[];
  /** `custom_fields` (e.g. Prompt variables under `template`). */
  customFields: Record<string, string[]>;
  toolMode: boolean;
  /** A component the user wrote or changed in LangFlow (its code edited, or from custom_components). */
  custom: boolean;
}

export interface NormalEdge {
  id: string;
  source: string;
  sourceOutput: string;
  sourceTypes: string[];
  target: string;
  /** The input field fed; null for a loop feedback edge. */
  targetField: string | null;
  /** Loop feedback: the output of the target (loop) node the edge goes back into. */
  targetOutput: string | null;
  targetTypes: string[];
}

export interface NormalFlow {
  file: string;
  id: string | null;
  name: string;
  description: string;
  endpointName: string | null;
  schemaVersion: string;
  nodes: NormalNode[];
  edges: NormalEdge[];
}

const flowError = (file: string, message: string, where: Record<string, string> = {}, hint?: string) =>
  new FlowcError('flow', message, { where: { file, ...where }, ...(hint ? { hint } : {}) });

function zodMessage(error: z.ZodError, prefix: string): string {
  const first = error.issues[0];
  const path = [prefix, ...(first?.path ?? []).map(String)].filter(Boolean).join('.');
  return `${path || 'flow'}: ${first?.message ?? 'invalid'}`;
}

/** Parses JSON text; a FlowcError says whether it is not JSON at all or cut short. */
export function parseJson(source: string | Uint8Array, file: string): unknown {
  const text = typeof source === 'string' ? source : decodeUtf8(source, file);
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw flowError(file, `is nested more than ${MAX_JSON_DEPTH} levels deep; a LangFlow export never is`, {}, 'export the flow again from LangFlow (Export → JSON)');
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const reason = safeReason((err as Error).message, text);
    const truncated = /end of (JSON )?input|^unterminated|^expected .* after (property value|array element)/i.test(reason) && text.trim().length > 0;
    throw flowError(
      file,
      truncated ? `not valid JSON (truncated?): ${reason}` : `not valid JSON: ${reason}`,
      {},
      'export the flow again from LangFlow (Export → JSON)',
    );
  }
}

/**
 * V8's parse error without the piece of input it may quote (`Unexpected token 'h', ..."key": hunt"...`):
 * that piece may be a pasted secret. Where it says no position, the position of the first
 * character JSON cannot take there is given instead, as line and column.
 */
function safeReason(reason: string, text: string): string {
  const quoting = /^Unexpected token .*is not valid JSON$/s.test(reason);
  const at = /at position (\d+)/.exec(reason);
  const position = at ? Number(at[1]) : quoting ? firstBadPosition(text) : -1;
  const base = quoting
    ? 'unexpected character'
    : reason
        .replace(/ in JSON at position \d+.*$/s, '')
        .replace(/ after JSON at position \d+.*$/s, ' after the JSON value')
        .replace(/^./, (c) => c.toLowerCase());
  if (position < 0) return base;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `${base} at line ${line}, column ${position - before.lastIndexOf('\n')}`;
}

/** Where JSON.parse gave up, found by parsing ever shorter prefixes' validity (no input echoed). */
function firstBadPosition(text: string): number {
  // The longest prefix that is still a valid JSON *start* ends right before the bad character.
  let lo = 0;
  let hi = text.length;
  const validStart = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      return !/^Unexpected token /.test((e as Error).message);
    }
  };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (validStart(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes → text. Bytes that are not UTF-8 are refused, not replaced with U+FFFD behind the user's back. */
function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    throw flowError(
      file,
      utf16 ? 'is UTF-16 text; flowc reads UTF-8 JSON' : `is not valid UTF-8 (first bad byte at offset ${firstBadUtf8(bytes)})`,
      {},
      'export the flow again from LangFlow (Export → JSON), or re-save the file as UTF-8',
    );
  }
}

/** Offset of the first byte that breaks UTF-8, for the message (only called on failure). */
function firstBadUtf8(bytes: Uint8Array): number {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  // A U+FFFD the file really holds before the bad byte would be pointed at instead: fine for a hint.
  return new TextEncoder().encode(lenient.slice(0, Math.max(0, lenient.indexOf('\ufffd')))).length;
}

/** The handle JSON LangFlow also writes into `sourceHandle`/`targetHandle` with `"` replaced by `œ`. */
function decodeHandle(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text.replace(/œ/g, '"'));
  } catch {
    return undefined;
  }
}

const isNote = (raw: Record<string, unknown>, dataType: unknown) =>
  (typeof raw.type === 'string' && raw.type !== 'genericNode') || dataType === 'note' || dataType === 'noteNode';

function normalField(name: string, raw: unknown): NormalField | null {
  const parsed = Field.safeParse(raw);
  if (!parsed.success || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const f = parsed.data;
  return {
    name,
    value: f.value,
    type: f.type ?? '',
    inputType: f._input_type ?? '',
    password: f.password === true,
    loadFromDb: f.load_from_db === true,
    inputTypes: f.input_types ?? [],
    displayName: f.display_name ?? name,
    list: f.list === true,
  };
}

function normalNode(raw: unknown, index: number, file: string): NormalNode | null {
  const rec = (raw ?? {}) as Record<string, unknown>;
  const dataType = (rec.data as Record<string, unknown> | undefined)?.type;
  if (rec && typeof rec === 'object' && isNote(rec, dataType)) return null;
  const parsed = Node.safeParse(raw);
  if (!parsed.success) {
    const id = typeof rec.id === 'string' ? rec.id : `#${index}`;
    throw flowError(file, `node ${id} has the wrong shape: ${zodMessage(parsed.error, `nodes[${index}]`)}`, { nodeId: id });
  }
  const n = parsed.data;
  const body = n.data.node;
  if (!body) throw flowError(file, 'node has no `data.node` (component definition)', { nodeId: n.id });
  const module = body.metadata?.module ?? null;
  const type = canonicalType(n.data.type, module);
  const fields: Record<string, NormalField> = {};
  // Sorted: generated code must not depend on key order, which the input hash ignores.
  for (const [name, value] of Object.entries(body.template).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const field = normalField(name, value);
    if (field) fields[name] = field;
  }
  const customFields: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(body.custom_fields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (Array.isArray(v)) customFields[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return {
    id: n.id,
    type,
    dataType: n.data.type ?? type,
    module,
    displayName: body.display_name ?? n.data.display_name ?? type,
    fields,
    outputs: (body.outputs ?? []).map((o: RawOutput) => ({
      name: o.name,
      types: o.types ?? [],
      displayName: o.display_name ?? o.name,
      method: o.method ?? null,
    })),
    customFields,
    toolMode: body.tool_mode === true,
    custom: body.edited === true || type === 'CustomComponent' || (module ?? '').startsWith('custom_components'),
  };
}

function normalEdge(raw: unknown, index: number, file: string): NormalEdge {
  const parsed = Edge.safeParse(raw);
  if (!parsed.success) throw flowError(file, `edge has the wrong shape: ${zodMessage(parsed.error, `edges[${index}]`)}`);
  const e = parsed.data;
  const src = SourceHandle.safeParse(e.data?.sourceHandle ?? decodeHandle(e.sourceHandle));
  const tgt = TargetHandle.safeParse(e.data?.targetHandle ?? decodeHandle(e.targetHandle));
  const id = e.id ?? `${e.source}->${e.target}`;
  if (!src.success || !src.data.name) {
    throw flowError(file, `edge ${id} from ${e.source} does not say which output it uses (sourceHandle.name)`, { nodeId: e.source });
  }
  if (!tgt.success || (!tgt.data.fieldName && !tgt.data.name)) {
    throw flowError(file, `edge ${id} into ${e.target} does not say which field it feeds (targetHandle.fieldName)`, { nodeId: e.target });
  }
  return {
    id,
    source: e.source,
    sourceOutput: src.data.name,
    sourceTypes: src.data.output_types ?? [],
    target: e.target,
    targetField: tgt.data.fieldName ?? null,
    targetOutput: tgt.data.fieldName ? null : (tgt.data.name ?? null),
    targetTypes: tgt.data.inputTypes ?? tgt.data.output_types ?? [],
  };
}

/** JSON → NormalFlow. Throws FlowcError (kind 'flow') naming the file and, where known, the node. */
export function normalizeFlow(json: unknown, file: string): NormalFlow {
  const parsed = Flow.safeParse(json);
  if (!parsed.success) {
    throw flowError(file, `not a LangFlow export: ${zodMessage(parsed.error, '')}`, {}, 'expected an object with data.nodes and data.edges');
  }
  const flow = parsed.data;
  const nodes: NormalNode[] = [];
  flow.data.nodes.forEach((raw, i) => {
    const node = normalNode(raw, i, file);
    if (node) nodes.push(node);
  });
  const edges = (flow.data.edges ?? []).map((raw, i) => normalEdge(raw, i, file));
  return {
    file,
    id: flow.id ?? null,
    name: flow.name ?? '',
    description: flow.description ?? '',
    endpointName: flow.endpoint_name || null,
    schemaVersion: detectSchemaVersion(flow, nodes),
    nodes,
    edges,
  };
}

const NODE_LAYOUT = ['position', 'positionAbsolute', 'selected', 'dragging', 'width', 'height', 'measured', 'resizing', 'style', 'zIndex', 'className'];
const EDGE_LAYOUT = ['selected', 'animated', 'className', 'style', 'zIndex', 'hidden'];

/**
 * The flow with layout-only keys removed (viewport; node position/size/selection; edge styling),
 * serialised with sorted keys: moving a node in the UI does not change it, any parameter does.
 */
export function layoutFreeJson(json: unknown): string {
  const strip = (value: unknown, keys: string[]) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const k of keys) delete copy[k];
    return copy;
  };
  let flow = json;
  if (flow && typeof flow === 'object' && !Array.isArray(flow)) {
    const f = { ...(flow as Record<string, unknown>) };
    const data = f.data;
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      const d = { ...(data as Record<string, unknown>) };
      delete d.viewport;
      if (Array.isArray(d.nodes)) d.nodes = d.nodes.map((n) => strip(n, NODE_LAYOUT));
      if (Array.isArray(d.edges)) d.edges = d.edges.map((e) => strip(e, EDGE_LAYOUT));
      f.data = d;
    }
    flow = f;
  }
  return stableStringify(flow);
}

export function stableStringify(value: unknown): string {
  // Native JSON.stringify with objects re-created in sorted key order: several times faster
  // than a hand-written walk on multi-megabyte flows (the input hash is on the hot path).
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const rec = v as Record<string, unknown>;
      // A null-prototype object keeps a "__proto__" key as a plain key (so it is hashed too).
      const sorted = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(rec).sort()) sorted[k] = rec[k];
      return sorted;
    }) ?? 'null'
  );
}
