/** Which nodes sit below a router (they run only when their branch is taken). Pure. */
import type { FlowGraph } from '../langflow/index.js';

/** Nodes fed (directly or not) by a router: they run only when their branch was taken. */
export function belowRouters(graph: FlowGraph): Set<string> {
  const below = new Set<string>();
  const visit = (id: string) => {
    for (const e of graph.edges) {
      if (e.source === id && !below.has(e.target)) {
        below.add(e.target);
        visit(e.target);
      }
    }
  };
  for (const n of graph.nodes) if (n.type === 'ConditionalRouter') visit(n.id);
  return below;
}
