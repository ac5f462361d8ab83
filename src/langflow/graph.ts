/**
 * The graph IR: nodes with typed parameters and input bindings (constant, edge, list of edges,
 * secret reference), layered topological order, disconnected sub-graphs, and which outputs of
 * each node are used. Cycles are allowed only through loop/router feedback. Pure.
 */
import { FlowcError } from '../errors.js';
import { CYCLE_TYPES } from './aliases.js';
import type { NormalEdge, NormalFlow, NormalNode } from './normalize.js';

export interface EdgeRef {
  source: string;
  output: string;
  types: string[];
}

export type Binding =
  | { kind: 'const'; value: unknown }
  | ({ kind: 'edge' } & EdgeRef)
  | { kind: 'edges'; edges: EdgeRef[] }
  /**
   * A password field. `env` names the variable to read (`load_from_db`), null = the provider's
   * conventional one. `literal` = a value was typed into the field (or, with `load_from_db`, a value
   * that is no variable name); it is never carried here.
   */
  | { kind: 'secret'; env: string | null; literal: boolean }
  /** Any other field set to a LangFlow global variable (`load_from_db`): read from the environment at run time. */
  | { kind: 'global'; env: string };

export interface IrNode extends Omit<NormalNode, 'fields'> {
  /** Field definitions without secret values. */
  fields: NormalNode['fields'];
  inputs: Record<string, Binding>;
  /** Outputs some edge consumes, in declaration order. */
  usedOutputs: string[];
  layer: number;
  subgraph: number;
}

export interface FlowGraph {
  file: string;
  name: string;
  description: string;
  endpointName: string | null;
  langflowId: string | null;
  schemaVersion: string;
  /** In execution order (layer by layer; inputs first within a layer, then by id). */
  nodes: IrNode[];
  byId: Map<string, IrNode>;
  edges: NormalEdge[];
  /** Edges that go back into a loop/router (not part of the topological order). */
  feedback: NormalEdge[];
  layers: string[][];
  /** Weakly connected components, as node ids in execution order. */
  subgraphs: string[][];
}

const INPUT_FIRST = new Set(['ChatInput', 'TextInput']);

const err = (file: string, message: string, node?: NormalNode | undefined, field?: string, hint?: string) =>
  new FlowcError('flow', message, {
    where: { file, ...(node ? { nodeId: node.id, nodeType: node.dataType } : {}), ...(field ? { field } : {}) },
    ...(hint ? { hint } : {}),
  });

function checkEdges(flow: NormalFlow, byId: Map<string, NormalNode>): void {
  for (const e of flow.edges) {
    const source = byId.get(e.source);
    const target = byId.get(e.target);
    if (!source) throw err(flow.file, `edge ${e.id} comes from node ${e.source}, which is not in the flow`, target, e.targetField ?? undefined, 'delete the dangling edge in LangFlow and export again');
    if (!target) throw err(flow.file, `edge ${e.id} goes to node ${e.target}, which is not in the flow`, source, undefined, 'delete the dangling edge in LangFlow and export again');
    if (source.outputs.length > 0 && !source.outputs.some((o) => o.name === e.sourceOutput)) {
      const known = source.outputs.map((o) => o.name).join(', ');
      throw err(flow.file, `edge ${e.id} uses output "${e.sourceOutput}", which node ${source.id} does not have (outputs: ${known})`, source);
    }
    if (e.targetField !== null && !(e.targetField in target.fields)) {
      throw err(flow.file, `edge ${e.id} feeds field "${e.targetField}", which node ${target.id} does not have`, target, e.targetField);
    }
    if (e.targetOutput !== null) {
      if (!target.outputs.some((o) => o.name === e.targetOutput)) {
        throw err(flow.file, `feedback edge ${e.id} goes into output "${e.targetOutput}", which node ${target.id} does not have`, target);
      }
      if (!CYCLE_TYPES.has(target.type)) {
        throw err(flow.file, `edge ${e.id} feeds back into node ${target.id}, which is not a loop or router`, target);
      }
    }
  }
}

/** Kahn's algorithm by layers; returns the nodes left over (those on a cycle or after one). */
function layer(nodes: NormalNode[], edges: NormalEdge[]): { layers: string[][]; left: Set<string> } {
  const indeg = new Map(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    indeg.set(e.target, (indeg.get(e.target) ?? 0) + 1);
    out.get(e.source)!.push(e.target);
  }
  const typeOf = new Map(nodes.map((n) => [n.id, n.type]));
  const order = (a: string, b: string) => {
    const pa = INPUT_FIRST.has(typeOf.get(a)!) ? 0 : 1;
    const pb = INPUT_FIRST.has(typeOf.get(b)!) ? 0 : 1;
    return pa - pb || (a < b ? -1 : a > b ? 1 : 0);
  };
  const layers: string[][] = [];
  let ready = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const left = new Set(nodes.map((n) => n.id));
  while (ready.length > 0) {
    ready.sort(order);
    layers.push(ready);
    const next: string[] = [];
    for (const id of ready) {
      left.delete(id);
      for (const t of out.get(id)!) {
        const d = indeg.get(t)! - 1;
        indeg.set(t, d);
        if (d === 0) next.push(t);
      }
    }
    ready = next;
  }
  return { layers, left };
}

/** Strongly connected components of the left-over nodes (Tarjan), for cycle messages. */
function cycles(ids: Set<string>, edges: NormalEdge[]): string[][] {
  const adj = new Map<string, string[]>([...ids].map((id) => [id, []]));
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target)) adj.get(e.source)!.push(e.target);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = adj.get(v)!.includes(v);
      if (scc.length > 1 || selfLoop) out.push(scc.sort());
    }
  };
  for (const id of [...ids].sort()) if (!idx.has(id)) visit(id);
  return out;
}

const NUMERIC = new Set(['int', 'float', 'slider']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/**
 * Why a constant does not fit its field's declared LangFlow type, or null. Only the types whose
 * values become Python numbers, booleans and model choices are checked: a wrong type there would
 * otherwise be dropped silently. Empty values mean "not set".
 */
export function typeMismatch(type: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (NUMERIC.has(type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (Number.isFinite(n)) return null;
    // 1e400 parses as Infinity: a number, but not one Python or the model can use.
    return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(n)) ? 'expected a finite number, got one too large to represent' : `expected a number, got ${kindOf(value)}`;
  }
  if (type === 'bool') return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value)) ? null : `expected true or false, got ${kindOf(value)}`;
  if (type === 'model') return typeof value === 'string' || Array.isArray(value) ? null : `expected a model choice, got ${kindOf(value)}`;
  return null;
}

/** A number, or a list/object with a non-empty string or number somewhere in it. */
function holdsSomething(v: unknown): boolean {
  if (typeof v === 'string') return v.trim() !== '';
  if (typeof v === 'number') return true;
  if (Array.isArray(v)) return v.some(holdsSomething);
  return v !== null && typeof v === 'object' && Object.values(v).some(holdsSomething);
}

function bindings(node: NormalNode, incoming: NormalEdge[]): Record<string, Binding> {
  const inputs: Record<string, Binding> = {};
  for (const field of Object.values(node.fields)) {
    const fed = incoming.filter((e) => e.targetField === field.name);
    if (fed.length === 1) {
      const e = fed[0]!;
      inputs[field.name] = { kind: 'edge', source: e.source, output: e.sourceOutput, types: e.sourceTypes };
    } else if (fed.length > 1) {
      inputs[field.name] = { kind: 'edges', edges: fed.map((e) => ({ source: e.source, output: e.sourceOutput, types: e.sourceTypes })) };
    } else if (field.password) {
      const text = typeof field.value === 'string' ? field.value.trim() : '';
      // A "variable name" that is no variable name is most likely the secret itself, pasted in;
      // so is anything but a string (a list, an object, a number) that holds something.
      const held = typeof field.value === 'string' ? text !== '' : holdsSomething(field.value);
      inputs[field.name] = field.loadFromDb && ENV_NAME.test(text)
        ? { kind: 'secret', env: text, literal: false }
        : { kind: 'secret', env: null, literal: held };
    } else if (field.loadFromDb && typeof field.value === 'string' && ENV_NAME.test(field.value.trim())) {
      inputs[field.name] = { kind: 'global', env: field.value.trim() };
    } else {
      inputs[field.name] = { kind: 'const', value: field.value };
    }
  }
  return inputs;
}

/** NormalFlow → FlowGraph, or a FlowcError naming the file, node and reason. */
export function buildGraph(flow: NormalFlow): FlowGraph {
  const byId = new Map<string, NormalNode>();
  for (const n of flow.nodes) {
    if (byId.has(n.id)) throw err(flow.file, `duplicate node id ${n.id}`, n, undefined, 'node ids must be unique; re-export the flow');
    byId.set(n.id, n);
  }
  checkEdges(flow, byId);

  const feedback = flow.edges.filter((e) => e.targetOutput !== null);
  let forward = flow.edges.filter((e) => e.targetOutput === null);
  let { layers, left } = layer(flow.nodes, forward);
  if (left.size > 0) {
    // A cycle through a loop/router is by design: the edges back into it are feedback.
    for (const scc of cycles(left, forward)) {
      const members = new Set(scc);
      const pivot = scc.find((id) => CYCLE_TYPES.has(byId.get(id)!.type));
      if (!pivot) {
        const first = byId.get(scc[0]!)!;
        throw err(flow.file, `cycle not through a loop or router: ${[...scc, scc[0]].join(' → ')}`, first, undefined, 'remove the edge that closes the cycle, or route it through a Loop component');
      }
      const back = forward.filter((e) => e.target === pivot && members.has(e.source));
      feedback.push(...back);
      forward = forward.filter((e) => !back.includes(e));
    }
    ({ layers, left } = layer(flow.nodes, forward));
    if (left.size > 0) throw err(flow.file, `nodes ${[...left].sort().join(', ')} are on a cycle that cannot be ordered`, byId.get([...left][0]!));
  }

  const layerOf = new Map<string, number>();
  layers.forEach((ids, i) => ids.forEach((id) => layerOf.set(id, i)));

  // Weakly connected components (sub-graphs), numbered by first appearance in execution order.
  const parent = new Map(flow.nodes.map((n) => [n.id, n.id]));
  const find = (x: string): string => (parent.get(x) === x ? x : (parent.set(x, find(parent.get(x)!)), parent.get(x)!));
  for (const e of flow.edges) parent.set(find(e.source), find(e.target));
  const order = layers.flat();
  const compIndex = new Map<string, number>();
  const subgraphs: string[][] = [];
  for (const id of order) {
    const root = find(id);
    if (!compIndex.has(root)) {
      compIndex.set(root, subgraphs.length);
      subgraphs.push([]);
    }
    subgraphs[compIndex.get(root)!]!.push(id);
  }

  const nodes: IrNode[] = order.map((id) => {
    const n = byId.get(id)!;
    const incoming = forward.filter((e) => e.target === id);
    const used = new Set(flow.edges.filter((e) => e.source === id).map((e) => e.sourceOutput));
    return {
      ...n,
      inputs: bindings(n, incoming),
      usedOutputs: n.outputs.map((o) => o.name).filter((o) => used.has(o)),
      layer: layerOf.get(id)!,
      subgraph: compIndex.get(find(id))!,
    };
  });
  return {
    file: flow.file,
    name: flow.name,
    description: flow.description,
    endpointName: flow.endpointName,
    langflowId: flow.id,
    schemaVersion: flow.schemaVersion,
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    edges: forward,
    feedback,
    layers,
    subgraphs,
  };
}
