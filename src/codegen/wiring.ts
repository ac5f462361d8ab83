/**
 * How a flow's nodes become a LangGraph graph: which node each one waits for. Pure.
 *
 * LangGraph runs a node when one of its triggers fires: a plain edge (`add_edge(a, b)`), a join
 * (`add_edge([a, b], c)`, which fires once all of a and b ran) or a conditional edge. LangFlow's
 * semantics map onto those as follows:
 * - a node waits for every node that feeds it (one edge, or a join);
 * - Chat Input runs first (LangFlow puts it in a layer of its own), so the other nodes that
 *   nothing feeds wait for it;
 * - If-Else is a conditional edge: only the nodes its taken branch feeds run, and nothing
 *   below an untaken branch ever runs (a join that waits for it never fires);
 * - a Loop is a cycle: its `item` branch enters the body, whose last node feeds back into the
 *   loop, and its `done` branch leaves once every item went through.
 * A node that a conditional source (If-Else branch, loop) feeds can have only that one
 * trigger, so whatever else it needs is waited for by the conditional source instead.
 */
import { FlowcError } from '../errors.js';
import type { FlowGraph } from '../langflow/index.js';
import type { LoopBlock } from './loops.js';

export const START = 'START';
export const END = 'END';

/** One statement of the graph's wiring, by LangFlow node id. */
export type Wire =
  | { kind: 'edge'; from: string[]; to: string; why?: string }
  | { kind: 'branch'; node: string; targets: Record<string, string[]> };

const ROUTERS = new Set(['ConditionalRouter']);

/**
 * `nodes`: the LangFlow ids in this graph (nodes that run), in LangFlow's order.
 * `blocks`: the flow's loops. Returns statements in a readable order: starts, then per node.
 */
export function wire(graph: FlowGraph, nodes: string[], blocks: LoopBlock[]): Wire[] {
  const inGraph = new Set(nodes);
  const edges = graph.edges.filter((e) => inGraph.has(e.source) && inGraph.has(e.target));
  const loops = new Map(blocks.filter((b) => inGraph.has(b.loop)).map((b) => [b.loop, b]));
  const conditional = (source: string) => ROUTERS.has(graph.byId.get(source)!.type) || loops.has(source);

  const preds = new Map(nodes.map((id) => [id, [] as string[]]));
  /** target → conditional source → the outputs of the source that feed it. */
  const branchOf = new Map<string, Map<string, Set<string>>>();
  for (const e of edges) {
    const list = preds.get(e.target)!;
    if (!list.includes(e.source)) list.push(e.source);
    if (conditional(e.source)) {
      const byOutput = branchOf.get(e.target) ?? new Map<string, Set<string>>();
      byOutput.set(e.source, (byOutput.get(e.source) ?? new Set()).add(e.sourceOutput));
      branchOf.set(e.target, byOutput);
    }
  }
  // Chat Input first: the other roots wait for it.
  const chatInputs = nodes.filter((id) => graph.byId.get(id)!.type === 'ChatInput');
  const ordered = new Set<string>();
  for (const id of nodes) {
    if (preds.get(id)!.length === 0 && chatInputs.length > 0 && !chatInputs.includes(id)) {
      preds.get(id)!.push(...chatInputs);
      ordered.add(id);
    }
  }

  const children = new Map(nodes.map((id) => [id, new Set<string>()]));
  for (const [id, ps] of preds) for (const p of ps) children.get(p)!.add(id);
  const below = memo((id: string, self: (x: string) => Set<string>): Set<string> => {
    const out = new Set<string>();
    for (const c of children.get(id)!) {
      out.add(c);
      for (const d of self(c)) out.add(d);
    }
    return out;
  });

  const fail = (id: string, message: string): never => {
    const node = graph.byId.get(id)!;
    throw new FlowcError('flow', message, {
      where: { file: graph.file, nodeId: id, nodeType: node.dataType },
      hint: 'connect what this node needs before the If-Else or Loop instead, or split the flow',
    });
  };

  // Triggers: conditional sources are reduced to the one that must route to the node; what
  // else the node needs is moved up to wait at that source's entry.
  const triggers = new Map(nodes.map((id) => [id, [...preds.get(id)!]]));
  const routedFrom = new Map<string, string>();
  const movedTo = new Set<string>();
  for (const id of nodes) {
    const sources = [...(branchOf.get(id)?.keys() ?? [])];
    if (sources.length === 0) continue;
    const ps = preds.get(id)!;
    // A predecessor that another predecessor descends from adds nothing to wait for.
    const needed = ps.filter((p) => !ps.some((q) => q !== p && below(p).has(q)));
    const routing = needed.filter((p) => sources.includes(p));
    if (routing.length === 0) {
      // Fed by a conditional source only through nodes below it: waiting for those is enough.
      triggers.set(id, needed);
      continue;
    }
    if (routing.length > 1) fail(id, `this node is fed by more than one branching node (${routing.join(', ')}); flowc cannot order that yet`);
    const source = routing[0]!;
    const others = needed.filter((p) => p !== source);
    for (const o of others) {
      if (below(source).has(o)) fail(id, `this node is fed by ${source}'s branch and by ${o}, which runs below ${source}; flowc cannot order that yet`);
    }
    const entry = triggers.get(source)!;
    for (const o of others) if (!entry.includes(o)) entry.push(o);
    if (others.length > 0) movedTo.add(source);
    triggers.set(id, []);
    routedFrom.set(id, source);
  }
  for (const source of movedTo) {
    if (routedFrom.has(source)) fail(source, `this branching node waits for nodes that its own branch does not order (below ${routedFrom.get(source)}); flowc cannot order that yet`);
  }

  const out: Wire[] = [];
  for (const id of nodes) {
    const ts = triggers.get(id)!;
    if (routedFrom.has(id)) continue;
    if (ts.length === 0) {
      out.push({ kind: 'edge', from: [START], to: id });
      continue;
    }
    const why = ordered.has(id) && ts.every((t) => chatInputs.includes(t)) ? 'LangFlow runs Chat Input first' : undefined;
    // A loop's body end feeds back into it: a trigger of its own, besides its entry.
    const feedback = [...loops.values()].find((b) => b.loop === id);
    out.push({ kind: 'edge', from: ts, to: id, ...(why ? { why } : {}) });
    if (feedback && inGraph.has(feedback.end)) out.push({ kind: 'edge', from: [feedback.end], to: id, why: 'the loop body feeds back' });
  }
  for (const source of nodes.filter(conditional)) {
    const targets: Record<string, string[]> = {};
    const outputs = loops.has(source) ? ['item', 'done'] : graph.byId.get(source)!.outputs.map((o) => o.name);
    for (const o of outputs) targets[o] = [];
    for (const [target, from] of routedFrom) {
      if (from !== source) continue;
      for (const o of branchOf.get(target)!.get(source)!) (targets[o] ??= []).push(target);
    }
    out.push({ kind: 'branch', node: source, targets });
  }
  return out;
}

function memo<T>(fn: (id: string, self: (id: string) => T) => T): (id: string) => T {
  const cache = new Map<string, T>();
  const self = (id: string): T => {
    if (!cache.has(id)) cache.set(id, fn(id, self));
    return cache.get(id)!;
  };
  return self;
}
