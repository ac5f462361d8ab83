/** The LangFlow layer: export JSON → normalised flow → graph IR. Pure. */
export { parseJson, normalizeFlow, layoutFreeJson, stableStringify } from './normalize.js';
export type { NormalFlow, NormalNode, NormalEdge, NormalField, NormalOutput } from './normalize.js';
export { buildGraph, typeMismatch } from './graph.js';
export type { FlowGraph, IrNode, Binding, EdgeRef } from './graph.js';
export { canonicalType, CYCLE_TYPES } from './aliases.js';
export { detectSchemaVersion } from './version.js';

import { normalizeFlow, parseJson } from './normalize.js';
import { buildGraph, type FlowGraph } from './graph.js';

/** Bytes → graph IR in one call (for tools and tests). */
export function loadFlow(source: string | Uint8Array, file: string): FlowGraph {
  return buildGraph(normalizeFlow(parseJson(source, file), file));
}
