/**
 * Loops (LoopComponent): the body is every node between the loop's `item` output and the node
 * whose feedback edge goes back into `item`. The graph runs the body once per item and the loop
 * collects the end node's output into `done` (src/codegen/wiring.ts). Pure.
 */
import { FlowcError } from '../errors.js';
import type { FlowGraph } from '../langflow/index.js';

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
