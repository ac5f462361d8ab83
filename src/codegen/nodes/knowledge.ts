/**
 * LangFlow's knowledge bases and memory bases, kept without LangFlow's server (which holds them
 * in its database). A knowledge base is the tenant's: its chunks live under
 * `<FLOWC_DATA_DIR>/knowledge/<name>/`, so a flow that ingests and another that retrieves share it
 * by name, as in LangFlow. A memory base is semantic recall over the chat history the flows
 * store. Both embed through the module's `make_embeddings` (FLOWC_KNOWLEDGE_EMBEDDING picks the
 * model, as LangFlow's knowledge-base dialog does). Types across releases: KnowledgeIngestion and
 * KnowledgeRetrieval (1.6–1.8), KnowledgeBase (1.9), Knowledge with a mode (1.10+), MemoryBase
 * (1.11+).
 */
import type { IrNode } from '../../langflow/index.js';
import type { PyValue } from '../python.js';
import { bool, constant, input, num, str, type GenContext, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

/** The knowledge base LangFlow's starter projects leave unselected is the tenant's `default`. */
export const DEFAULT_KNOWLEDGE_BASE = 'default';

/** A node that adds rows to a knowledge base (and so is an ingestion sink). */
export function ingestsKnowledge(node: IrNode): boolean {
  if (node.type === 'KnowledgeIngestion') return true;
  const mode = node.inputs.mode;
  return node.type === 'Knowledge' && mode?.kind === 'const' && typeof mode.value === 'string' && mode.value.toLowerCase().startsWith('ingest');
}

/** The knowledge base a node names, when it is a constant (null: fed by an edge or global). */
export function knowledgeBaseName(node: IrNode): string | null {
  const field = node.inputs.knowledge_base;
  if (field && field.kind !== 'const') return null;
  const value = field?.value;
  return typeof value === 'string' && value.trim() ? value.trim() : DEFAULT_KNOWLEDGE_BASE;
}

function baseName(ctx: GenContext): string {
  const name = knowledgeBaseName(ctx.node);
  if (name === null) ctx.fail('knowledge_base', 'the knowledge base must be chosen in the node, not fed by an edge or a global variable', 'pick the knowledge base in LangFlow');
  const chosen = ctx.node.inputs.knowledge_base;
  if (!(chosen?.kind === 'const' && typeof chosen.value === 'string' && chosen.value.trim())) {
    ctx.warn('knowledge_base', `no knowledge base is selected: the flow uses the tenant's knowledge base "${DEFAULT_KNOWLEDGE_BASE}"`);
  }
  // A folder name under FLOWC_DATA_DIR/knowledge: nothing that could leave it.
  if (!/^[\p{L}\p{N}_][\p{L}\p{N}_ .-]{0,99}$/u.test(name) || name.includes('..')) {
    ctx.fail('knowledge_base', `knowledge base name "${name}" is not a plain name (letters, digits, space, _, -, .)`, 'rename the knowledge base in LangFlow');
  }
  return name;
}

/** The Ingest table's column roles, as LangFlow reads them ("True" strings included). */
function columns(ctx: GenContext): Array<{ column_name: string; vectorize: boolean; identifier: boolean }> {
  const raw = constant<PyValue>(ctx, 'column_config', []);
  const rows = Array.isArray(raw) ? raw : [];
  const flag = (v: unknown) => v === true || v === 'True' || v === 'true';
  const out = rows.flatMap((r) => {
    const row = (r ?? {}) as Record<string, unknown>;
    const name = typeof row.column_name === 'string' ? row.column_name.trim() : '';
    return name ? [{ column_name: name, vectorize: flag(row.vectorize), identifier: flag(row.identifier) }] : [];
  });
  if (!out.some((c) => c.vectorize)) {
    ctx.fail('column_config', 'no column is marked Vectorize, so there is no text to embed', 'mark at least one column Vectorize in LangFlow');
  }
  return out;
}

export const knowledge: NodeGenerator = {
  types: ['KnowledgeIngestion', 'KnowledgeRetrieval', 'KnowledgeBase', 'Knowledge'],
  template: 'nodes/knowledge.py',
  runtime: ['vectors', 'tools'],
  outputs: { dataframe_output: 'Data', retrieve_data: 'Any', component_as_tool: 'list' },
  sink: ingestsKnowledge,
  vars(ctx) {
    const name = baseName(ctx);
    const filter = str(ctx, 'metadata_filter').trim();
    if (filter && filter !== '{}') ctx.fail('metadata_filter', 'a metadata filter is not supported', 'clear the filter in LangFlow');
    if (ingestsKnowledge(ctx.node)) {
      if (ctx.node.usedOutputs.includes('component_as_tool')) ctx.fail(undefined, 'an ingesting knowledge base cannot be a tool', 'switch the node to Retrieve, or turn Tool Mode off');
      return { ingest: true, name, input_df: input(ctx, 'input_df', null), columns: columns(ctx), allow_duplicates: bool(ctx, 'allow_duplicates', false) };
    }
    return {
      ingest: false,
      name,
      search_query: input(ctx, 'search_query'),
      k: Math.max(1, Math.trunc(num(ctx, 'top_k') ?? 5)),
      include_metadata: bool(ctx, 'include_metadata', true),
      include_embeddings: bool(ctx, 'include_embeddings', false),
      tools: toolSpecs(ctx, [
        {
          name: 'retrieve_data',
          description: 'Search the knowledge base for the chunks closest to a query.',
          args: { search_query: { type: 'string', description: 'Optional search query to filter knowledge base data.' } },
          status: true,
        },
      ]),
    };
  },
};

export const memoryBase: NodeGenerator = {
  types: ['MemoryBase'],
  template: 'nodes/memory_base.py',
  runtime: ['vectors', 'tools'],
  outputs: { retrieve_data: 'Table', component_as_tool: 'list' },
  vars(ctx) {
    return {
      search_query: input(ctx, 'search_query'),
      k: Math.max(1, Math.trunc(num(ctx, 'top_k') ?? 5)),
      include_metadata: bool(ctx, 'include_metadata', true),
      by_session: bool(ctx, 'filter_by_session', true),
      tools: toolSpecs(ctx, [
        {
          name: 'retrieve_memory',
          description: 'Returns matching memory chunks from the conversation history.',
          args: { search_query: { type: 'string', description: 'Query used for semantic retrieval against the memory base.' } },
          status: true,
        },
      ]),
    };
  },
};
