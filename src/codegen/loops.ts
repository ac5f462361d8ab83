/**
 * Loops (LoopComponent): the body is every node between the loop's `item` output and the node
 * whose feedback edge goes back into `item`. run_flow runs the loop node, then the body once per
 * item (collecting the end node's output into `done`), then everything after. The execution order
 * here treats loop + body as one unit so nothing outside reads a body value too early. Pure.
 */
import { FlowcError } from '../errors.js';
import type { FlowGraph, NormalEdge } from '../langflow/index.js';

export interface LoopBlock {
  loop: string;
  /** Body node ids in execution order. */
  body: string[];
  /** The body's last node and the output it feeds back. */
  end: string;
  endOutput: string;
}

function reach(from: string[], next: (id: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...next(id));
  }
  return seen;
}

export function loopBlocks(graph: FlowGraph): LoopBlock[] {
  const blocks: LoopBlock[] = [];
  for (const node of graph.nodes.filter((n) => n.type === 'LoopComponent')) {
    const back = graph.feedback.filter((e) => e.target === node.id);
    if (back.length !== 1 || back[0]!.targetOutput !== 'item') {
      throw new FlowcError('flow', `loop ${node.id} needs exactly one edge back into its "item" output (found ${back.length})`, {
        where: { file: graph.file, nodeId: node.id, nodeType: node.dataType },
        hint: 'connect the last node of the loop body back to the Loop\'s Item',
      });
    }
    const end = back[0]!;
    const starts = graph.edges.filter((e) => e.source === node.id && e.sourceOutput === 'item').map((e) => e.target);
    const down = reach(starts, (id) => graph.edges.filter((e) => e.source === id).map((e) => e.target));
    const up = reach([end.source], (id) => graph.edges.filter((e) => e.target === id).map((e) => e.source));
    const order = graph.nodes.map((n) => n.id);
    const body = order.filter((id) => down.has(id) && up.has(id));
    if (!body.includes(end.source)) {
      throw new FlowcError('flow', `the edge back into loop ${node.id} comes from ${end.source}, which is not fed by the loop's item`, {
        where: { file: graph.file, nodeId: node.id, nodeType: node.dataType },
      });
    }
    blocks.push({ loop: node.id, body, end: end.source, endOutput: end.sourceOutput });
  }
  return blocks;
}

/** Node ids in the order run_flow calls them: each loop block contiguous (loop node, then body). */
export function executionOrder(graph: FlowGraph, blocks: LoopBlock[]): string[] {
  const unitOf = new Map<string, string>();
  for (const b of blocks) for (const id of [b.loop, ...b.body]) unitOf.set(id, b.loop);
  const unit = (id: string) => unitOf.get(id) ?? id;
  const units = [...new Set(graph.nodes.map((n) => unit(n.id)))];
  const deps = new Map(units.map((u) => [u, new Set<string>()]));
  const add = (e: NormalEdge) => {
    const [s, t] = [unit(e.source), unit(e.target)];
    if (s !== t) deps.get(t)!.add(s);
  };
  graph.edges.forEach(add);
  const position = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const done = new Set<string>();
  const out: string[] = [];
  while (done.size < units.length) {
    const ready = units.filter((u) => !done.has(u) && [...deps.get(u)!].every((d) => done.has(d)));
    if (ready.length === 0) throw new FlowcError('flow', 'a loop body is also needed before its loop runs', { where: { file: graph.file } });
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const u = ready[0]!;
    done.add(u);
    const block = blocks.find((b) => b.loop === u);
    out.push(...(block ? [block.loop, ...block.body] : [u]));
  }
  return out;
}
