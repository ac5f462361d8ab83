/**
 * A compiled flow's entry points: the main one (`runnable`, the chat/text path) and `ingest` for
 * its ingestion sub-graphs — parts of the canvas with no chat or text input that only feed
 * documents into a vector store. LangFlow runs those when asked; running them on every chat
 * turn would re-embed every document each time. Pure.
 */
import type { FlowGraph, IrNode } from '../langflow/index.js';
import { ingestsKnowledge } from './nodes/knowledge.js';
import { ingestsOnly } from './nodes/vectors.js';

const INPUTS = new Set(['ChatInput', 'TextInput']);

/** A node that only ingests: a vector store fed documents with no query, a knowledge base in Ingest mode. */
export const ingests = (node: IrNode): boolean => ingestsOnly(node) || ingestsKnowledge(node);

/** Node ids of the ingestion sub-graphs (whole weakly connected sub-graphs). */
export function ingestionNodes(graph: FlowGraph): Set<string> {
  const out = new Set<string>();
  for (const ids of graph.subgraphs) {
    const nodes = ids.map((id) => graph.byId.get(id)!);
    if (nodes.some((n) => INPUTS.has(n.type)) || !nodes.some(ingests)) continue;
    for (const id of ids) out.add(id);
  }
  return out;
}
