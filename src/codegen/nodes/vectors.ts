/**
 * Retrieval: embedding models (OpenAIEmbeddings, OllamaEmbeddings, the 1.8+ EmbeddingModel) and
 * the vector stores. Embeddings are built through the module's `make_embeddings`, so the
 * deployer's environment applies (OPENAI_BASE_URL, keys, OLLAMA_BASE_URL) and the smoke test can
 * swap in a fake. The vector stores: FAISS (faiss-cpu, on disk), Chroma (on disk in flowc's own
 * format, no chromadb) and Astra DB (its Data API). A store fed by `ingest_data` in a sub-graph
 * with no chat or text input makes it an ingestion sub-graph: compiled as the flow's `ingest`
 * entry point, not run on every chat turn.
 */
import { posix } from 'node:path';
import type { IrNode } from '../../langflow/index.js';
import type { Arg } from '../render.js';
import { bool, input, num, str, type GenContext, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

const PROVIDERS: Record<string, { id: string; keyEnv: string | null }> = {
  openai: { id: 'openai', keyEnv: 'OPENAI_API_KEY' },
  ollama: { id: 'ollama', keyEnv: null },
};

const SUPPORTED_EMBEDDING_PROVIDERS = 'OpenAI, Ollama';

interface Built {
  provider: string;
  model: string;
  params: Array<{ name: string; arg: Arg }>;
}

/** The first of the fields that is fed or set, as an argument (null: none is). */
function firstSet(ctx: GenContext, fields: string[]): Arg | null {
  for (const field of fields) {
    if (!(field in ctx.node.fields)) continue;
    const arg = input(ctx, field);
    if ('param' in arg || ('value' in arg && arg.value)) return arg;
  }
  return null;
}

/** A base URL field as a `base_url` argument, when the node has one set or fed. */
function baseUrl(ctx: GenContext, fields: string[]): Array<{ name: string; arg: Arg }> {
  const arg = firstSet(ctx, fields);
  return arg ? [{ name: 'base_url', arg }] : [];
}

function common(ctx: GenContext): Array<{ name: string; arg: Arg }> {
  const params: Array<{ name: string; arg: Arg }> = [];
  const dimensions = num(ctx, 'dimensions');
  if (dimensions !== null && dimensions > 0) params.push({ name: 'dimensions', arg: { value: Math.trunc(dimensions) } });
  const chunk = num(ctx, 'chunk_size');
  if (chunk !== null && chunk > 0) params.push({ name: 'chunk_size', arg: { value: Math.trunc(chunk) } });
  return params;
}

function key(ctx: GenContext, field: string, provider: string): Array<{ name: string; arg: Arg }> {
  if (provider === 'ollama' || !ctx.node.fields[field]?.password) return [];
  const secret = ctx.secret(field, PROVIDERS[provider]?.keyEnv ?? null);
  return secret ? [{ name: 'api_key', arg: secret }] : [];
}

function openai(ctx: GenContext): Built {
  const model = str(ctx, 'model', 'text-embedding-3-small');
  return { provider: 'openai', model, params: [...baseUrl(ctx, ['openai_api_base']), ...common(ctx), ...key(ctx, 'openai_api_key', 'openai')] };
}

function ollama(ctx: GenContext): Built {
  const model = str(ctx, 'model_name') || str(ctx, 'model');
  if (!model) ctx.fail('model_name', 'no embedding model selected', 'pick the Ollama embedding model in LangFlow');
  return { provider: 'ollama', model, params: baseUrl(ctx, ['base_url']) };
}

/** EmbeddingModel: 1.8+ a `model` list whose item names the provider; earlier a `provider` dropdown. */
function embeddingModel(ctx: GenContext): Built {
  const raw = ctx.node.inputs.model?.kind === 'const' ? ctx.node.inputs.model.value : undefined;
  let provider = str(ctx, 'provider');
  let model = typeof raw === 'string' ? raw : '';
  if (Array.isArray(raw) && raw[0] && typeof raw[0] === 'object') {
    const item = raw[0] as { name?: unknown; provider?: unknown };
    provider = typeof item.provider === 'string' ? item.provider : provider;
    model = typeof item.name === 'string' ? item.name : '';
  }
  if (!model) {
    // As LangFlow, which picks a configured provider's default model: chosen at run time.
    ctx.warn('model', 'no embedding model selected: chosen at run time from FLOWC_EMBEDDING or the provider keys in the environment (docs/compiler.md)');
  }
  const chosen = provider || (model ? 'OpenAI' : ''); // OpenAI: the component's default provider
  const known = chosen ? PROVIDERS[chosen.toLowerCase()] : { id: '', keyEnv: null };
  if (!known) {
    ctx.fail('model', `embedding provider "${provider}" is not supported (supported: ${SUPPORTED_EMBEDDING_PROVIDERS})`, 'pick one of the supported providers in LangFlow');
  }
  return { provider: known.id, model, params: [...baseUrl(ctx, ['api_base', 'base_url', 'ollama_base_url']), ...(known.id === 'openai' ? common(ctx) : []), ...key(ctx, 'api_key', known.id)] };
}

function embeddings(types: string[], build: (ctx: GenContext) => Built): NodeGenerator {
  return {
    types,
    template: 'nodes/embeddings.py',
    runtime: ['vectors'],
    outputs: { embeddings: 'Any' },
    vars: (ctx) => ({ built: build(ctx) }),
  };
}

export const openaiEmbeddings = embeddings(['OpenAIEmbeddings'], openai);
export const ollamaEmbeddings = embeddings(['OllamaEmbeddings'], ollama);
export const embeddingModelNode = embeddings(['EmbeddingModel'], embeddingModel);

const VECTOR_STORES: ReadonlySet<string> = new Set(['FAISS', 'Chroma', 'AstraDB']);

const fed = (node: IrNode, field: string) => node.inputs[field]?.kind === 'edge' || node.inputs[field]?.kind === 'edges';

const SEARCH_ARGS = { search_query: { type: 'string', description: 'Enter a query to run a similarity search.' } };

/** A vector store that only ingests: documents come by edge, and it has no query to run. */
export function ingestsOnly(node: IrNode): boolean {
  const query = node.inputs.search_query;
  return VECTOR_STORES.has(node.type) && fed(node, 'ingest_data') && !fed(node, 'search_query') && !(query?.kind === 'const' && typeof query.value === 'string' && query.value.trim());
}

/**
 * What the vector stores share: ingest/search wiring, results, tool mode (LangFlow's two tools,
 * the search as Data and as a table). `noEmbedding`: the refusal when no embedding model is
 * connected (null: the store can embed text itself).
 */
function vectorStore(types: string[], extraOutputs: Record<string, string>, store: (ctx: GenContext) => Record<string, unknown>, embeddingField: string, noEmbedding: string | null): NodeGenerator {
  return {
    types,
    template: 'nodes/vector_store.py',
    runtime: ['vectors', 'tools'],
    outputs: { search_results: 'list', dataframe: 'Table', ...extraOutputs },
    // An ingesting store is what its (ingestion) sub-graph is for, even with no edge out of it.
    sink: (node) => fed(node, 'ingest_data'),
    vars(ctx) {
      if (noEmbedding && !ctx.params.has(embeddingField)) {
        ctx.fail(embeddingField, noEmbedding, 'connect an Embeddings component (OpenAI, Ollama, Embedding Model)');
      }
      return {
        // None: the store embeds text itself.
        embedding: ctx.params.has(embeddingField) ? input(ctx, embeddingField) : { value: null },
        ingest_data: input(ctx, 'ingest_data', null),
        search_query: input(ctx, 'search_query'),
        store: store(ctx),
        k: Math.max(1, Math.trunc(num(ctx, 'number_of_results') ?? 4)),
        ingesting: ctx.params.has('ingest_data'),
        ingest_only: ingestsOnly(ctx.node),
        tools: toolSpecs(ctx, [
          {
            name: 'search_documents',
            description: 'Search the vector store for the documents closest to a query.',
            args: SEARCH_ARGS,
            status: true,
          },
          {
            name: 'as_dataframe',
            description: 'Search the vector store for the documents closest to a query, as a table.',
            args: SEARCH_ARGS,
            status: true,
          },
        ]),
      };
    },
  };
}

function faissStore(ctx: GenContext): Record<string, unknown> {
  const index = str(ctx, 'index_name', 'langflow_index');
  if (!/^[\w.-]{1,100}$/.test(index) || index.startsWith('.')) {
    ctx.fail('index_name', 'the index name must be a plain file name (letters, digits, _, -, .)', 'rename the index in LangFlow');
  }
  return { kind: 'faiss', persist_directory: str(ctx, 'persist_directory'), index_name: index, lexical_terms: null };
}

/**
 * Chroma without chromadb (about 500 MB): the collection is kept by flowc under
 * `<FLOWC_DATA_DIR>/chroma/<persist_directory or "default">/<collection_name>`. As LangFlow's
 * component: documents fed in are added, those already stored skipped unless `allow_duplicates`
 * (compared over the first `limit` stored, 0: all); search ranks by squared L2, Chroma's default.
 */
function chromaStore(ctx: GenContext): Record<string, unknown> {
  if (str(ctx, 'chroma_server_host').trim()) {
    ctx.fail(
      'chroma_server_host',
      'a Chroma server is not supported: flowc keeps Chroma collections on disk itself (it has no chromadb client)',
      'clear Server Host in LangFlow to keep the collection locally, or use Astra DB',
    );
  }
  const collection = str(ctx, 'collection_name', 'langflow');
  // Chroma's own rule for collection names (it refuses others when the flow runs).
  if (!/^[A-Za-z0-9][\w.-]{1,510}[A-Za-z0-9]$/.test(collection) || collection.includes('..')) {
    ctx.fail('collection_name', 'a Chroma collection name has 3 to 512 letters, digits, _, - or . (no ".."), starting and ending with a letter or digit', 'rename the collection in LangFlow');
  }
  const raw = str(ctx, 'persist_directory').trim();
  const folder = raw ? posix.normalize(raw.replace(/\\/g, '/')).replace(/\/+$/, '') : '';
  if (folder.startsWith('/') || /^[A-Za-z]:/.test(folder) || folder.startsWith('~') || folder.split('/').includes('..')) {
    ctx.fail('persist_directory', `the persist directory "${raw}" must be a relative path: flowc keeps it under FLOWC_DATA_DIR/chroma`, 'use a relative directory name in LangFlow, or clear it');
  }
  if (!ingestsOnly(ctx.node)) {
    const type = str(ctx, 'search_type', 'Similarity');
    if (type !== 'Similarity') ctx.fail('search_type', `search type "${type}" is not supported (Similarity only)`, 'pick Similarity in LangFlow');
  }
  const limit = num(ctx, 'limit');
  return {
    kind: 'chroma',
    persist_directory: folder === '.' ? '' : folder,
    collection,
    allow_duplicates: bool(ctx, 'allow_duplicates', false),
    limit: limit !== null && limit > 0 ? Math.trunc(limit) : 0,
    lexical_terms: null,
  };
}

const NO_EMBEDDING = 'a vector store needs an embedding model connected to its Embedding input';

export const faiss = vectorStore(['FAISS'], { component_as_tool: 'list' }, faissStore, 'embedding', NO_EMBEDDING);
export const chroma = vectorStore(['Chroma'], { component_as_tool: 'list' }, chromaStore, 'embedding', NO_EMBEDDING);

/**
 * Astra DB through its Data API (httpx; no astrapy): vector search with the embeddings of the
 * connected model, or, with none connected, the collection's own (vectorize); hybrid search
 * (vector + lexical, reranked) when the node asks for it and the collection supports it, as
 * LangFlow's default does. Endpoint, keyspace and collection come from the node, else
 * ASTRA_DB_API_ENDPOINT, ASTRA_DB_KEYSPACE (default_keyspace) and ASTRA_DB_COLLECTION; the token
 * from `token` or ASTRA_DB_APPLICATION_TOKEN.
 */
export const astraDb = vectorStore(['AstraDB'], { component_as_tool: 'list' }, (ctx) => {
  const method = str(ctx, 'search_method', 'Vector Search');
  if (method !== 'Vector Search' && method !== 'Hybrid Search') {
    ctx.fail('search_method', `search method "${method}" is not supported (Vector Search, Hybrid Search)`, 'pick Vector Search or Hybrid Search in LangFlow');
  }
  const type = str(ctx, 'search_type', 'Similarity');
  // LangFlow forces similarity for hybrid search whatever the field says.
  if (type !== 'Similarity' && method !== 'Hybrid Search') ctx.fail('search_type', `search type "${type}" is not supported (Similarity only)`, 'pick Similarity in LangFlow');
  return {
    kind: 'astra',
    hybrid: method === 'Hybrid Search',
    lexical_terms: firstSet(ctx, ['lexical_terms']),
    token: ctx.secret('token', 'ASTRA_DB_APPLICATION_TOKEN'),
    api_endpoint: str(ctx, 'api_endpoint'),
    keyspace: str(ctx, 'keyspace'),
    collection: str(ctx, 'collection_name'),
  };
}, 'embedding_model', null);
