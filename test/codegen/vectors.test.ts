/**
 * Retrieval (issue 8): embeddings and the FAISS vector store, the ingestion sub-graph compiled as
 * its own entry point (`ingest_flow`, served at /<endpoint>/ingest) and kept off the chat path,
 * refusals that name node and field, the generated smoke test, and a real langchain-openai
 * embeddings client pointed at the local OpenAI-compatible stub.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileConftest } from '../../src/codegen/conftest.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { isFlowcError } from '../../src/errors.js';
import { havePython, repoRoot, runPytest, runPython } from '../helpers/python.js';
import { startOpenAIStub } from '../helpers/openai-stub.js';
import { basicChat } from './flowkit.js';

const RAG = readFileSync(join(repoRoot, 'test', 'fixtures', 'flows', 'rag_faiss.json'), 'utf8');
const compileRag = (source = RAG) => compileFlow(source, { file: 'flows/rag.json', slug: 'acme', outputDir: 'app/flows', testsDir: 'tests/smoke' });
const RUNTIME = compileRuntime({ slug: 'acme' }).content;
const flowText = (r: ReturnType<typeof compileRag>) => r.files.find((f) => f.path.endsWith('flow_rag.py'))!.content;
/** Python that loads `<dir>/flow_rag.py` as `m` and defines `Words`, bag-of-words embeddings of `dim` slots. */
const loadWithWords = (dim: number) => `
import importlib.util, json, sys
from langchain_core.embeddings import Embeddings
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("rag", sys.argv[1] + "/flow_rag.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
class Words(Embeddings):
    def embed_documents(self, texts): return [self.embed_query(t) for t in texts]
    def embed_query(self, text):
        import re, zlib
        v = [0.0] * ${dim}
        for w in re.findall(r"\\w+", text.lower()): v[zlib.crc32(w.encode()) % ${dim}] += 1.0
        return v
`;

const body = (text: string, fn: string) => text.slice(text.indexOf(`def ${fn}(`), text.indexOf('\n\n\n', text.indexOf(`def ${fn}(`)));

test('the ingestion sub-graph is its own entry point; the chat path never runs it', (t) => {
  const text = flowText(compileRag());
  const added = (builder: string, fn: string) => new RegExp(`^${builder}\\.add_node\\(\\s*${fn},`, 'm').test(text);
  for (const fn of ['file_r1', 'split_text_r2', 'faiss_r3', 'open_ai_embeddings_r4']) {
    t.true(added('ingest_builder', fn), `the ingestion graph runs ${fn}`);
    t.false(added('builder', fn), `the chat graph does not run ${fn}`);
  }
  for (const fn of ['chat_input_r5', 'faiss_r6', 'open_ai_embeddings_r7', 'chat_output_r11']) t.true(added('builder', fn), `the chat graph runs ${fn}`);
  t.regex(text, /^ENTRY_POINTS = \{"ingest": ChatFlow\(ingest_graph, \[\]\)\}$/m);
  t.regex(body(text, 'faiss_r3'), /found = store\.ingest\(ingest_data\)/);
  t.regex(body(text, 'faiss_r6'), /found = store\.search\(\n\s+search_query,\n\s+2,\n\s+\)/);
  t.regex(body(text, 'open_ai_embeddings_r4'), /make_embeddings\(\n\s+"OpenAIEmbeddings-r4",\n\s+"openai",\n\s+"text-embedding-3-small",/);
  // A flow without vector stores has no further entry point and no vector helpers.
  const plain = compileFlow(JSON.stringify(basicChat()), { file: 'flows/plain.json', slug: 'acme' }).files[0]!.content;
  t.regex(plain, /^ENTRY_POINTS = \{\}$/m);
  t.false(plain.includes('class FaissStore'));
});

const edit = (mutate: (nodes: Array<{ id: string; data: { node: { template: Record<string, { value: unknown }> } } }>, f: { data: { edges: Array<{ target: string; data: { targetHandle: { fieldName: string } } }> } }) => void) => {
  const f = JSON.parse(RAG);
  mutate(f.data.nodes, f);
  return JSON.stringify(f);
};

test('refusals name the node and field: no embedding connected, an index name that is a path, an unknown provider', (t) => {
  const cases: Array<[string, string, RegExp]> = [
    [
      edit((_, f) => {
        f.data.edges = f.data.edges.filter((e) => !(e.target === 'FAISS-r6' && e.data.targetHandle.fieldName === 'embedding'));
      }),
      'node FAISS-r6 (FAISS), field embedding',
      /needs an embedding model connected/,
    ],
    [edit((nodes) => (nodes.find((n) => n.id === 'FAISS-r3')!.data.node.template.index_name!.value = '../../etc/x')), 'node FAISS-r3 (FAISS), field index_name', /plain file name/],
    [
      edit((nodes) => {
        const n = nodes.find((x) => x.id === 'OpenAIEmbeddings-r4')!;
        (n.data as unknown as { type: string }).type = 'EmbeddingModel';
        n.data.node.template.model!.value = [{ name: 'embed-1', provider: 'Cohere' }];
      }),
      'node OpenAIEmbeddings-r4 (EmbeddingModel), field model',
      /embedding provider "Cohere" is not supported \(supported: OpenAI, Ollama\)/,
    ],
  ];
  for (const [source, where, reason] of cases) {
    const err = t.throws(() => compileRag(source));
    if (!isFlowcError(err)) return t.fail(String(err));
    t.true(err.describe().startsWith(`flows/rag.json: ${where}: `), err.describe());
    t.regex(err.describe(), reason);
  }
});

(havePython() ? test : test.skip)('the generated smoke test ingests first, then the chat path retrieves (fake embeddings)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-rag-smoke-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of [...compileRag().files, compileRuntime({ slug: 'acme' }), compileConftest({})]) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  const smoke = readFileSync(join(dir, 'tests/smoke/test_rag.py'), 'utf8');
  t.regex(smoke, /ingested = flow\.ENTRY_POINTS\["ingest"\]\.invoke/);
  const r = await runPytest(['tests/smoke'], dir);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /1 passed/);
});

(havePython() ? test : test.skip)('a real OpenAI embeddings client reaches the local stub; the closest chunk reaches the model', async (t) => {
  const stub = await startOpenAIStub();
  const dir = mkdtempSync(join(tmpdir(), 'flowc-rag-stub-'));
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stub.close();
  });
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(compileRag()));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days of purchase.\nShipping takes five business days.\nGift cards never expire and work online.');
  const script = `
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("rag", sys.argv[1] + "/flow_rag.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
ingested = m.ENTRY_POINTS["ingest"].invoke({"input_value": ""})
answer = m.runnable.invoke({"input_value": "How many days for refunds of a purchase?"})
print(json.dumps([ingested["text"], answer["text"]]))
`;
  const r = await runPython(['-c', script, dir], {
    env: { OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: 'sk-test-embeddings', FLOWC_FILE: join(dir, 'handbook.txt'), FLOWC_DATA_DIR: join(dir, 'data') },
  });
  t.is(r.code, 0, r.stderr);
  const [ingested, answer] = JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, string];
  t.is(ingested, 'FAISS index handbook: 3 documents');
  // The stub echoes what it was sent: the prompt carried two chunks (number_of_results), the
  // closest to the question first.
  t.regex(answer, /Handbook:\n- Refunds are accepted within 30 days of purchase\.\n- [^\n]+\nQuestion: How many days/);
  t.is(stub.embeddings.length, 2);
  const [docs, query] = stub.embeddings;
  t.deepEqual(docs!.body.input, ['Refunds are accepted within 30 days of purchase.', 'Shipping takes five business days.', 'Gift cards never expire and work online.']);
  t.deepEqual(query!.body.input, ['How many days for refunds of a purchase?']);
  t.is(docs!.body.model, 'text-embedding-3-small');
  t.is(docs!.headers.authorization, 'Bearer sk-test-embeddings');
  t.is(stub.requests.length, 1, 'one chat completion, on the chat turn only');
});

/** The RAG fixture with its chat-path store (FAISS-r6) as the tool of an agent (agent_tools.json's Agent-g1). */
function storeAsAgentTool(source = RAG): string {
  const rag = JSON.parse(source);
  const agentFlow = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'flows', 'agent_tools.json'), 'utf8'));
  const agent = agentFlow.data.nodes.find((n: { id: string }) => n.id === 'Agent-g1');
  const keep = new Set(['File-r1', 'SplitText-r2', 'FAISS-r3', 'OpenAIEmbeddings-r4', 'ChatInput-r5', 'FAISS-r6', 'OpenAIEmbeddings-r7', 'ChatOutput-r11']);
  rag.data.nodes = [...rag.data.nodes.filter((n: { id: string }) => keep.has(n.id)), agent];
  const store = rag.data.nodes.find((n: { id: string }) => n.id === 'FAISS-r6').data.node;
  store.tool_mode = true;
  store.outputs = [{ name: 'component_as_tool', display_name: 'Toolset', types: ['Tool'], selected: 'Tool', method: 'to_toolkit' }];
  const chatEdges = [
    ['ChatInput-r5', 'message', 'Agent-g1', 'input_value'],
    ['FAISS-r6', 'component_as_tool', 'Agent-g1', 'tools'],
    ['Agent-g1', 'response', 'ChatOutput-r11', 'input_value'],
  ].map(([source, output, target, fieldName]) => ({
    id: `e-${source}-${target}`,
    source,
    target,
    data: { sourceHandle: { id: source, name: output, output_types: ['Tool'] }, targetHandle: { id: target, fieldName, inputTypes: ['Tool'] } },
  }));
  rag.data.edges = [...rag.data.edges.filter((e: { source: string; target: string }) => keep.has(e.source) && keep.has(e.target) && e.target !== 'ChatOutput-r11' && e.source !== 'ChatInput-r5'), ...chatEdges];
  return JSON.stringify(rag);
}

/**
 * Runs the flow (ingestion, then one chat turn) with `Words` embeddings and a model that first
 * calls each of `calls` (tool names, with a refund query), then answers the tools' results
 * joined by " | ". Prints [the tools bound, the answer].
 */
async function runAgentTool(t: { teardown(fn: () => unknown): void }, source: string, calls: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-rag-tool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(compileRag(source)));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days of purchase.\nShipping takes five business days.\nGift cards never expire and work online.');
  const script = `${loadWithWords(256)}
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
CALLS = ${JSON.stringify(calls)}
class Caller(BaseChatModel):
    bound: list = []
    @property
    def _llm_type(self): return "caller"
    def bind_tools(self, tools, **kw):
        self.bound.extend(t.name for t in tools); return self
    def _generate(self, messages, stop=None, run_manager=None, **kw):
        done = [x.content for x in messages if isinstance(x, ToolMessage)]
        if not done:
            calls = [{"name": n, "args": {"search_query": "refunds within days of purchase"}, "id": f"c{i}"} for i, n in enumerate(CALLS)]
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content="", tool_calls=calls))])
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=" | ".join(done)))])
caller = Caller()
m.make_embeddings = lambda *a, **k: Words()
m.make_chat_model = lambda *a, **k: caller
m.ENTRY_POINTS["ingest"].invoke({})
out = m.runnable.invoke({"input_value": "What is the refund window?"})
print(json.dumps([caller.bound, out["text"]]))
`;
  const r = await runPython(['-c', script, dir], { env: { FLOWC_FILE: join(dir, 'handbook.txt'), FLOWC_DATA_DIR: join(dir, 'data') } });
  return { ...r, result: r.code === 0 ? (JSON.parse(r.stdout.trim().split('\n').pop()!) as [string[], string]) : null };
}

(havePython() ? test : test.skip)('in tool mode a FAISS store is an agent tool that searches the ingested index', async (t) => {
  const r = await runAgentTool(t, storeAsAgentTool(), ['search_documents']);
  t.is(r.code, 0, r.stderr);
  const [bound, answer] = r.result!;
  t.true(bound.includes('search_documents'), bound.join(', '));
  t.regex(answer, /Refunds are accepted within 30 days of purchase\./);
});

/** Bag-of-words vectors of 16 slots, as the Python side's `Words` (the collection's own model). */
function words(text: string): number[] {
  const v = new Array<number>(16).fill(0);
  for (const w of text.toLowerCase().match(/\w+/g) ?? []) v[crc32(w) % 16]! += 1;
  return v;
}
function crc32(s: string): number {
  let c = ~0;
  for (const b of Buffer.from(s)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/**
 * Astra DB's Data API on loopback, in memory (cosine similarity), recording every command.
 * `collection`: the options findCollections reports for each existing collection (vectorize,
 * lexical, rerank); the collection embeds `$vectorize` text itself with `words`.
 */
async function astraStandIn(collection: Record<string, unknown> | null = null) {
  const { createServer } = await import('node:http');
  const docs = new Map<string, { content: string; $vector: number[]; [k: string]: unknown }>();
  const seen: Array<{ path: string; token: string | undefined; command: Record<string, any> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const command = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      seen.push({ path: req.url ?? '', token: req.headers.token as string | undefined, command });
      let body: unknown = { status: { ok: 1 } };
      if (command.insertMany) {
        const errors = [];
        for (const d of command.insertMany.documents) {
          if (docs.has(d._id)) errors.push({ errorCode: 'DOCUMENT_ALREADY_EXISTS', message: `already exists: ${d._id}` });
          else docs.set(d._id, { ...d, $vector: d.$vector ?? words(d.$vectorize) });
        }
        body = { status: { insertedIds: [] }, ...(errors.length ? { errors } : {}) };
      } else if (command.findCollections) {
        body = { status: { collections: collection ? [{ name: 'handbook', options: collection }] : [] } };
      } else if (command.find || command.findAndRerank) {
        const search = command.find ?? command.findAndRerank;
        const sort = search.sort.$hybrid ?? search.sort;
        const q: number[] = sort.$vector ?? words(sort.$vectorize);
        const cos = (v: number[]) => v.reduce((s, x, i) => s + x * q[i]!, 0) / (Math.hypot(...v) * Math.hypot(...q) || 1);
        const found = [...docs.values()].sort((a, b) => cos(b.$vector) - cos(a.$vector)).slice(0, search.options.limit);
        body = { data: { documents: found.map(({ $vector: _, ...rest }) => rest) } };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen, docs, close: () => new Promise<void>((r) => server.close(() => r())) };
}

(havePython() ? test : test.skip)('Astra DB: ingestion creates the collection and adds documents once (ids from content); search sorts by vector', async (t) => {
  const astra = await astraStandIn();
  const rag = JSON.parse(RAG);
  for (const n of rag.data.nodes.filter((x: { id: string }) => x.id.startsWith('FAISS-'))) {
    n.data.type = 'AstraDB';
    delete n.data.node.metadata;
    const tpl = n.data.node.template;
    tpl.embedding_model = tpl.embedding;
    delete tpl.embedding;
    tpl.token = { type: 'str', value: 'FLOWC_TEST_ASTRA_TOKEN', password: true, load_from_db: true };
    tpl.collection_name = { type: 'str', value: 'handbook' };
    tpl.search_method = { type: 'str', value: 'Vector Search' };
  }
  for (const e of rag.data.edges) {
    if (e.data.targetHandle.fieldName === 'embedding') e.data.targetHandle.fieldName = 'embedding_model';
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowc-astra-'));
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await astra.close();
  });
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(compileRag(JSON.stringify(rag))));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days of purchase.\nShipping takes five business days.\nGift cards never expire and work online.');
  const script = `${loadWithWords(16)}
m.make_embeddings = lambda *a, **k: Words()
first = m.ENTRY_POINTS["ingest"].invoke({})["text"]
again = m.ENTRY_POINTS["ingest"].invoke({})["text"]
store = m.AstraStore("probe", Words(), lambda: "t", "", "", "handbook")
print(json.dumps([first, again, [d.data["text"] for d in store.search("refunds within days of purchase", 1)]]))
`;
  const r = await runPython(['-c', script, dir], {
    env: { ASTRA_DB_API_ENDPOINT: astra.url, FLOWC_TEST_ASTRA_TOKEN: 'AstraCS:test-token', FLOWC_FILE: join(dir, 'handbook.txt') },
  });
  t.is(r.code, 0, r.stderr);
  const [first, again, found] = JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, string, string[]];
  t.is(first, 'Astra DB collection handbook: 3 documents');
  t.is(again, 'Astra DB collection handbook: 3 documents');
  t.deepEqual(found, ['Refunds are accepted within 30 days of purchase.']);
  t.is(astra.docs.size, 3, 'ingesting again added nothing');
  const create = astra.seen.find((s) => s.command.createCollection)!;
  t.is(create.path, '/api/json/v1/default_keyspace');
  t.deepEqual(create.command.createCollection, { name: 'handbook', options: { vector: { dimension: 16, metric: 'cosine' } } });
  t.is(create.token, 'AstraCS:test-token', 'the token comes from the variable the node names');
  const insert = astra.seen.find((s) => s.command.insertMany)!;
  t.is(insert.path, '/api/json/v1/default_keyspace/handbook');
  t.deepEqual(Object.keys(insert.command.insertMany.documents[0]).sort(), ['$vector', '_id', 'content', 'metadata']);
});

/** The RAG fixture on Astra DB: its embedding models disconnected (the collection embeds), hybrid search. */
function astraVectorize(lexical: boolean): string {
  const rag = JSON.parse(RAG);
  rag.data.nodes = rag.data.nodes.filter((n: { id: string }) => !n.id.startsWith('OpenAIEmbeddings-'));
  rag.data.edges = rag.data.edges.filter((e: { source: string }) => !e.source.startsWith('OpenAIEmbeddings-'));
  for (const n of rag.data.nodes.filter((x: { id: string }) => x.id.startsWith('FAISS-'))) {
    n.data.type = 'AstraDB';
    delete n.data.node.metadata;
    const tpl = n.data.node.template;
    delete tpl.embedding;
    tpl.embedding_model = { type: 'other', value: '' };
    tpl.token = { type: 'str', value: 'FLOWC_TEST_ASTRA_TOKEN', password: true, load_from_db: true };
    tpl.collection_name = { type: 'str', value: 'handbook' };
    tpl.search_method = { type: 'str', value: 'Hybrid Search' };
    tpl.lexical_terms = { type: 'str', value: lexical ? 'refunds purchase' : '' };
  }
  return JSON.stringify(rag);
}

async function runAstra(t: { teardown(fn: () => unknown): void }, astra: Awaited<ReturnType<typeof astraStandIn>>, source: string) {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-astra-'));
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await astra.close();
  });
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(compileRag(source)));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days of purchase.\nShipping takes five business days.');
  const script = `${loadWithWords(16)}
m.ENTRY_POINTS["ingest"].invoke({})
store = m.AstraStore("probe", None, lambda: "t", "", "", "handbook", hybrid=True)
print(json.dumps([d.data["text"] for d in store.search("when are refunds accepted", 1, "refunds")]))
`;
  return runPython(['-c', script, dir], { env: { ASTRA_DB_API_ENDPOINT: astra.url, FLOWC_FILE: join(dir, 'handbook.txt'), FLOWC_TEST_ASTRA_TOKEN: 'AstraCS:test-token' } });
}

(havePython() ? test : test.skip)('Astra DB without an embedding model: the collection embeds the text (vectorize); hybrid search reranks vector and lexical matches', async (t) => {
  const astra = await astraStandIn({ vector: { dimension: 16, service: { provider: 'nvidia' } }, lexical: { enabled: true }, rerank: { enabled: true } });
  const r = await runAstra(t, astra, astraVectorize(true));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), ['Refunds are accepted within 30 days of purchase.']);
  t.falsy(astra.seen.find((s) => s.command.createCollection), 'a vectorize collection is made in Astra, with its provider');
  const insert = astra.seen.find((s) => s.command.insertMany)!;
  const doc = insert.command.insertMany.documents[0];
  t.deepEqual(Object.keys(doc).sort(), ['$lexical', '$vectorize', '_id', 'content', 'metadata']);
  t.is(doc.$vectorize, doc.content);
  // Hybrid search: the lexical terms beside the question.
  const rerank = astra.seen.filter((s) => s.command.findAndRerank);
  t.is(rerank.length, 1);
  t.deepEqual(rerank[0]!.command.findAndRerank.sort, { $hybrid: { $vectorize: 'when are refunds accepted', $lexical: 'refunds' } });
  // The chat path's store: no embedding model, hybrid, the node's lexical terms.
  t.regex(body(flowText(compileRag(astraVectorize(true))), 'faiss_r6'), /AstraStore\(\n\s+"FAISS-r6",\n\s+None,[^]*hybrid=True,\n\s+\)\n\s+found = store\.search\(\n\s+search_query,\n\s+2,\n\s+lexical_terms="refunds purchase",/);
  t.is(insert.token, 'AstraCS:test-token', 'the token comes from the variable the node names');
  t.false(astra.seen.some((s) => s.command.find), 'no plain vector search when the collection can rerank');
});

(havePython() ? test : test.skip)('Astra DB hybrid search falls back to vector search on a collection without lexical search; a collection that cannot embed is a clear error', async (t) => {
  const plain = await astraStandIn({ vector: { dimension: 16, service: { provider: 'nvidia' } } });
  const r = await runAstra(t, plain, astraVectorize(false));
  t.is(r.code, 0, r.stderr);
  t.false(plain.seen.some((s) => s.command.findAndRerank));
  t.deepEqual(plain.seen.find((s) => s.command.find)!.command.find.sort, { $vectorize: 'when are refunds accepted' });
  t.false('$lexical' in plain.seen.find((s) => s.command.insertMany)!.command.insertMany.documents[0]);

  const missing = await astraStandIn(null);
  const bad = await runAstra(t, missing, astraVectorize(false));
  t.not(bad.code, 0);
  t.regex(bad.stderr, /node FAISS-r3: Astra DB collection 'handbook' is missing: with no embedding model connected, create it in Astra with an embedding provider \(vectorize\), or connect an embedding model/);
});

/** The RAG fixture on Chroma (flowc's own collection, no chromadb): both stores name the collection `handbook`. */
function chromaRag(fields: Record<string, unknown> = {}, source = RAG): string {
  const rag = JSON.parse(source);
  for (const n of rag.data.nodes.filter((x: { id: string }) => x.id.startsWith('FAISS-'))) {
    n.data.type = 'Chroma';
    delete n.data.node.metadata;
    const tpl = n.data.node.template;
    delete tpl.index_name;
    delete tpl.allow_dangerous_deserialization;
    const values = { collection_name: 'handbook', persist_directory: '', allow_duplicates: false, limit: 0, search_type: 'Similarity', chroma_server_host: '', ...fields };
    for (const [name, value] of Object.entries(values)) tpl[name] = { type: typeof value === 'string' ? 'str' : typeof value === 'number' ? 'int' : 'bool', value };
  }
  return JSON.stringify(rag);
}

test('Chroma compiles to flowc\'s own collection: the ingesting store adds, the chat-path store searches', (t) => {
  const text = flowText(compileRag(chromaRag()));
  t.regex(body(text, 'faiss_r3'), /store = ChromaStore\(\n\s+"FAISS-r3",\n\s+embedding,\n\s+"",\n\s+"handbook",\n\s+\)\n\s+# Ingestion: the documents are added, those already in the collection skipped\.\n\s+found = store\.ingest\(ingest_data\)/);
  t.regex(body(text, 'faiss_r6'), /store = ChromaStore\(\n\s+"FAISS-r6",\n\s+embedding,\n\s+"",\n\s+"handbook",\n\s+\)\n\s+found = store\.search\(\n\s+search_query,\n\s+2,\n\s+\)/);
  t.regex(text, /^ENTRY_POINTS = \{"ingest": ChatFlow\(ingest_graph, \[\]\)\}$/m);
  // Options the node sets are passed; a persist directory is kept relative to FLOWC_DATA_DIR/chroma.
  const tuned = flowText(compileRag(chromaRag({ allow_duplicates: true, limit: 5, persist_directory: './kb/' })));
  t.regex(body(tuned, 'faiss_r3'), /ChromaStore\(\n\s+"FAISS-r3",\n\s+embedding,\n\s+"kb",\n\s+"handbook",\n\s+allow_duplicates=True,\n\s+limit=5,\n\s+\)\n\s+# Ingestion: the documents are added\./);
});

test('Chroma refusals name the node and field: a Chroma server, a bad collection name, a persist directory outside the data, MMR search', (t) => {
  const cases: Array<[string, string, RegExp]> = [
    [chromaRag({ chroma_server_host: 'chroma.internal' }), 'chroma_server_host', /a Chroma server is not supported[^]* — clear Server Host in LangFlow/],
    [chromaRag({ collection_name: 'a' }), 'collection_name', /3 to 512 letters/],
    [chromaRag({ persist_directory: '/var/lib/chroma' }), 'persist_directory', /"\/var\/lib\/chroma" must be a relative path/],
    [chromaRag({ persist_directory: 'data/../../x' }), 'persist_directory', /must be a relative path/],
  ];
  for (const [source, field, reason] of cases) {
    const err = t.throws(() => compileRag(source));
    if (!isFlowcError(err)) return t.fail(String(err));
    t.regex(err.describe(), new RegExp(`^flows/rag\\.json: node FAISS-r[36] \\(Chroma\\), field ${field}: `), err.describe());
    t.regex(err.describe(), reason);
  }
  // MMR is refused where the store searches; a store that only ingests never searches.
  const mmr = t.throws(() => compileRag(chromaRag({ search_type: 'MMR' })));
  t.true(isFlowcError(mmr) && mmr.describe().startsWith('flows/rag.json: node FAISS-r6 (Chroma), field search_type: search type "MMR" is not supported (Similarity only)'), String(mmr));
});

(havePython() ? test : test.skip)('Chroma: ingestion adds documents and skips those stored (unless duplicates are allowed); search ranks by squared L2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-chroma-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(compileRag(chromaRag())));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days of purchase.\nShipping takes five business days.\nGift cards never expire and work online.');
  const script = `${loadWithWords(16)}
import os, numpy
import flowc_runtime as r
m.make_embeddings = lambda *a, **k: Words()
first = m.ENTRY_POINTS["ingest"].invoke({})["text"]
again = m.ENTRY_POINTS["ingest"].invoke({})["text"]
query = "refunds within days of purchase"
store = r.ChromaStore("probe", Words(), "", "handbook")
found = [d.data["text"] for d in store.search(query, 3)]
vectors, records = r.load_records(store.folder)
q = numpy.array(Words().embed_query(query))
ranked = sorted(range(len(records)), key=lambda i: float(((vectors[i] - q) ** 2).sum()))
shipping = store.search("shipping five business days", 1)[0]
same = len(store.ingest([shipping]))
first_only = len(r.ChromaStore("probe", Words(), "", "handbook", limit=1).ingest([shipping]))
tagged = r.Data(data=dict(shipping.data, source="faq", pages=[1, 2]))
added = store.ingest([tagged])
allowed = len(r.ChromaStore("probe", Words(), "", "handbook", allow_duplicates=True).ingest([tagged]))
on_disk = os.path.isfile(os.path.join(os.environ["FLOWC_DATA_DIR"], "chroma", "default", "handbook", "records.npz"))
print(json.dumps([first, again, found, [records[i]["document"] for i in ranked[:3]], same, first_only, added[0].data, allowed, len(r.load_records(store.folder)[1]), on_disk, store.search("", 3)]))
`;
  const r = await runPython(['-c', script, dir], { env: { FLOWC_FILE: join(dir, 'handbook.txt'), FLOWC_DATA_DIR: join(dir, 'data') } });
  t.is(r.code, 0, r.stderr);
  const [first, again, found, ranked, same, firstOnly, added, allowed, total, onDisk, empty] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.is(first, 'Chroma collection handbook: 3 of 3 documents added');
  t.is(again, 'Chroma collection handbook: 0 of 3 documents added', 'documents already stored are skipped');
  t.is(found[0], 'Refunds are accepted within 30 days of purchase.');
  t.deepEqual(found, ranked, 'ranked by squared L2 distance, as Chroma');
  t.is(same, 0, 'a document equal to one stored (text and metadata) is skipped');
  t.is(firstOnly, 1, 'with a limit, only the first stored documents are compared');
  t.deepEqual(added, { sender: '', source: 'faq', text: 'Shipping takes five business days.' }, 'plain metadata kept, the rest dropped, as LangFlow filters it');
  t.is(allowed, 1, 'allow_duplicates adds it again');
  t.is(total, 6);
  t.true(onDisk, 'kept under FLOWC_DATA_DIR/chroma/<persist directory or default>/<collection>');
  t.deepEqual(empty, [], 'an empty query finds nothing');
});

(havePython() ? test : test.skip)('in tool mode a Chroma store gives the agent both of LangFlow\'s tools: the search as Data and as a table', async (t) => {
  const r = await runAgentTool(t, storeAsAgentTool(chromaRag()), ['search_documents', 'as_dataframe']);
  t.is(r.code, 0, r.stderr);
  const [bound, answer] = r.result!;
  t.deepEqual([...new Set(bound)], ['search_documents', 'as_dataframe']);
  const [asData, asTable] = answer.split(' | ');
  t.regex(asData!, /Refunds are accepted within 30 days of purchase\./);
  // pandas prints the table: a header row naming the columns, then one row per document.
  t.regex(asTable!, /^\s+sender\s+text\n0\s+Refunds are accepted within 30 days of purchase\.\n1 /);
});

(havePython() ? test : test.skip)('a File node\'s Message names its file, as LangFlow\'s: components run with lfx get file_path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-file-meta-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'sales.csv'), 'region,total\nnorth,3\n');
  writeFileSync(join(dir, 'notes.txt'), 'second file');
  const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import flowc_runtime as r
message = r.read_files("File-1", [sys.argv[1] + "/sales.csv", sys.argv[1] + "/notes.txt"], "\\n\\n")
lfx = r.to_lfx(message)
back = r.from_lfx(lfx)
print(json.dumps([lfx.text, lfx.file_path, lfx.filename, lfx.file_size, lfx.mimetype, type(back).__name__, back.file_path, r.text_of(back)]))
`;
  const r = await runPython(['-c', script, dir]);
  t.is(r.code, 0, r.stderr);
  const [text, path, name, size, mimetype, kind, back, backText] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.is(text, 'region,total\nnorth,3\n\n\nsecond file');
  // The first file's metadata, as LangFlow's File component gives it.
  t.is(path, join(dir, 'sales.csv'));
  t.is(name, 'sales.csv');
  t.is(size, 21);
  t.is(mimetype, 'text/csv');
  t.is(kind, 'FileMessage');
  t.is(back, join(dir, 'sales.csv'));
  t.is(backText, text);
});

(havePython() ? test : test.skip)('an Embedding Model with no model chosen is chosen at run time: FLOWC_EMBEDDING, else the provider whose key is set', async (t) => {
  const source = edit((nodes) => {
    for (const id of ['OpenAIEmbeddings-r4', 'OpenAIEmbeddings-r7']) {
      const n = nodes.find((x) => x.id === id)!;
      (n.data as unknown as { type: string }).type = 'EmbeddingModel';
      n.data.node.template.model!.value = '';
      // As LangFlow's starters: the key field names the OpenAI key's global variable.
      n.data.node.template.api_key = { type: 'str', value: 'OPENAI_API_KEY', password: true, load_from_db: true } as { value: unknown };
    }
  });
  const built = compileRag(source);
  t.true(built.warnings.some((w) => /node OpenAIEmbeddings-r4 \(EmbeddingModel\), field model: no embedding model selected: chosen at run time from FLOWC_EMBEDDING/.test(w)), built.warnings.join('\n'));
  t.regex(body(flowText(built), 'open_ai_embeddings_r4'), /make_embeddings\(\n\s+"OpenAIEmbeddings-r4",\n\s+"",\n\s+"",\n\s+api_key=lambda: os\.environ\["OPENAI_API_KEY"\],/);
  const stub = await startOpenAIStub();
  const dir = mkdtempSync(join(tmpdir(), 'flowc-rag-default-'));
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stub.close();
  });
  writeFileSync(join(dir, 'flowc_runtime.py'), RUNTIME);
  writeFileSync(join(dir, 'flow_rag.py'), flowText(built));
  writeFileSync(join(dir, 'handbook.txt'), 'Refunds are accepted within 30 days.');
  const script = `
import importlib.util, sys
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("rag", sys.argv[1] + "/flow_rag.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
try:
    m.ENTRY_POINTS["ingest"].invoke({"input_value": ""})
except Exception as err:
    print("ERROR", err)
`;
  const env = { OPENAI_BASE_URL: stub.url, FLOWC_FILE: join(dir, 'handbook.txt'), FLOWC_DATA_DIR: join(dir, 'data'), OPENAI_API_KEY: '', FLOWC_EMBEDDING: '' };
  const none = await runPython(['-c', script, dir], { env: { ...env } });
  t.regex(none.stdout, /ERROR node OpenAIEmbeddings-r4 selects no embedding model: set FLOWC_EMBEDDING=provider\/model/, none.stderr);
  const keyed = await runPython(['-c', script, dir], { env: { ...env, OPENAI_API_KEY: 'sk-test-embeddings' } });
  t.is(keyed.code, 0, keyed.stderr);
  t.notRegex(keyed.stdout, /ERROR/);
  const chosen = await runPython(['-c', script, dir], { env: { ...env, OPENAI_API_KEY: 'sk-test-embeddings', FLOWC_EMBEDDING: 'openai/text-embedding-3-large', FLOWC_DATA_DIR: join(dir, 'data2') } });
  t.is(chosen.code, 0, chosen.stderr);
  t.deepEqual(stub.embeddings.map((e) => e.body.model), ['text-embedding-3-small', 'text-embedding-3-large']);
  // Ollama chosen: the node's OpenAI key field is not read (no Ollama here: the call itself fails).
  const ollama = await runPython(['-c', script, dir], { env: { ...env, OPENAI_API_KEY: undefined, FLOWC_EMBEDDING: 'ollama/nomic-embed-text', OLLAMA_BASE_URL: 'http://127.0.0.1:9', FLOWC_DATA_DIR: join(dir, 'data3') } });
  t.regex(ollama.stdout, /^ERROR /m, ollama.stderr);
  t.notRegex(ollama.stdout, /OPENAI_API_KEY/);
});
