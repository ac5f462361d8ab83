/**
 * A flow's diagram (`flow_<id>.md`, beside its module): a Mermaid flowchart of its components and
 * edges — display name, type and which way each is compiled — so the git host renders the flow in
 * the repo, and `flowc graph` prints it. Pure.
 */
import type { FlowGraph } from '../langflow/index.js';

/** How a node is compiled: flowc's own generator, its LangFlow source run with lfx, or not at all. */
export type Way = 'flowc' | 'lfx' | 'not run';

const WAYS: Record<Way, string> = { flowc: "flowc's generator", lfx: 'its LangFlow source (lfx)', 'not run': 'not run (no output used)' };

/** Text as Mermaid shows it inside `"…"`: its entity codes for what would end the label or add markup. */
const label = (s: string): string =>
  s
    .replace(/[\u0000-\u001f]+/g, ' ')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/#(?!amp;|quot;|lt;|gt;)/g, '#35;')
    .trim();

/** A lone UTF-16 surrogate (JSON allows one; UTF-8 cannot hold it) as U+FFFD, as a decoder shows it. */
const wellFormed = (s: string): string => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Markdown with a Mermaid `flowchart LR` of the flow; `ways` maps node id → how it is compiled. */
export function flowDiagram(graph: FlowGraph, ways: ReadonlyMap<string, Way>): string {
  return wellFormed(diagram(graph, ways));
}

function diagram(graph: FlowGraph, ways: ReadonlyMap<string, Way>): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    lines.push(`  ${ids.get(n.id)}["${label(n.displayName)}<br/>${label(n.type)} · ${label(WAYS[ways.get(n.id) ?? 'not run'])}"]`);
  }
  for (const e of graph.edges) lines.push(`  ${ids.get(e.source)} -->|"${label(`${e.sourceOutput} → ${e.targetField ?? ''}`)}"| ${ids.get(e.target)}`);
  for (const e of graph.feedback) lines.push(`  ${ids.get(e.source)} -.->|"${label(`${e.sourceOutput} → ${e.targetOutput ?? ''}`)}"| ${ids.get(e.target)}`);
  const table = graph.nodes.map((n) => `| \`${n.id.replace(/[`|\\]/g, '_')}\` | ${n.displayName.replace(/[|\n\\]/g, ' ')} | ${n.type} | ${WAYS[ways.get(n.id) ?? 'not run']} |`);
  return [
    `# ${graph.name.replace(/[\r\n]+/g, ' ')}`,
    '',
    `The flow \`${graph.file}\` as flowc compiles it: every component, and what each edge carries (output → input).`,
    '',
    '```mermaid',
    ...lines,
    '```',
    '',
    '| node | name | type | compiled by |',
    '|---|---|---|---|',
    ...table,
    '',
  ].join('\n');
}
