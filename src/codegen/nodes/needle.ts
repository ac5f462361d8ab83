/**
 * needle (Needle Retriever): searches a Needle collection over its REST API and answers with the
 * question and the passages found; a tool in tool mode (the agent passes the query). Key from
 * `needle_api_key` or NEEDLE_API_KEY; NEEDLE_API_URL points it at a local stand-in in tests.
 */
import { input, num, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

const QUERY_ARGS = { query: { type: 'string', description: 'Your question (the search query).' } };

export const needle: NodeGenerator = {
  types: ['needle'],
  template: 'nodes/needle.py',
  runtime: ['services', 'tools'],
  outputs: { result: 'Message', component_as_tool: 'list' },
  vars: (ctx) => ({
    api_key: ctx.secret('needle_api_key', 'NEEDLE_API_KEY'),
    collection_id: input(ctx, 'collection_id'),
    query: input(ctx, 'query'),
    top_k: Math.trunc(num(ctx, 'top_k') ?? 20),
    // Older exports list no tool arguments; LangFlow's tool still takes the query (tool_mode).
    tools: toolSpecs(ctx, [
      { name: 'run', description: 'A retriever that uses the Needle API to search collections.', args: QUERY_ARGS, status: true },
    ]).map((t) => (t.args && typeof t.args === 'object' && Object.keys(t.args).length === 0 ? { ...t, args: QUERY_ARGS } : t)),
  }),
};
