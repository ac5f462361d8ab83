/**
 * Knowledge and memory bases without LangFlow's server (issue 13): one flow ingests into the
 * tenant's knowledge base "handbook", another retrieves from it by name, as in LangFlow; a memory
 * base recalls the chat history by meaning, within the session unless told otherwise, embedding
 * each message once. Real Python runs the generated modules; the embeddings are bag-of-words.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileConftest } from '../../src/codegen/conftest.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { isFlowcError } from '../../src/errors.js';
import { havePython, runPytest, runPython } from '../helpers/python.js';
import { edge, flow, node, type Json } from './flowkit.js';

const chatIn = (id: string) => node({ id, type: 'ChatInput', fields: { input_value: '', sender: 'User', sender_name: 'User', session_id: '', should_store_message: { value: true, type: 'bool' } }, outputs: ['message'] });
const chatOut = (id: string) => node({ id, type: 'ChatOutput', fields: { input_value: '', sender: 'Machine', sender_name: 'AI', should_store_message: { value: true, type: 'bool' } }, outputs: ['message'] });
const TABLE = { name: 'retrieve_data', types: ['DataFrame'] };

/** ChatInput → Knowledge Ingestion (1.8's type) into `base`. */
const ingestFlow = (base: Json, fields: Record<string, Json> = {}) =>
  flow('KB ingest', [
    chatIn('ChatInput-k1'),
    node({
      id: 'KnowledgeIngestion-k2',
      type: 'KnowledgeIngestion',
      display_name: 'Knowledge Ingestion',
      fields: {
        knowledge_base: base,
        input_df: '',
        column_config: { value: [{ column_name: 'text', vectorize: true, identifier: true }], type: 'table' },
        allow_duplicates: { value: false, type: 'bool' },
        ...fields,
      },
      outputs: [{ name: 'dataframe_output', types: ['Data'] }],
    }),
  ], [edge('ChatInput-k1', 'message', 'KnowledgeIngestion-k2', 'input_df')]);

/** ChatInput → Knowledge (1.10+, Retrieve mode) from `base` → ChatOutput. */
const retrieveFlow = (base: Json) =>
  flow('KB retrieve', [
    chatIn('ChatInput-r1'),
    node({
      id: 'Knowledge-r2',
      type: 'Knowledge',
      display_name: 'Knowledge',
      fields: { mode: 'Retrieve', knowledge_base: base, search_query: '', top_k: { value: 2, type: 'int' }, include_metadata: { value: true, type: 'bool' }, metadata_filter: '' },
      outputs: [TABLE, { name: 'dataframe_output', types: ['Data'] }],
    }),
    chatOut('ChatOutput-r3'),
  ], [edge('ChatInput-r1', 'message', 'Knowledge-r2', 'search_query'), edge('Knowledge-r2', 'retrieve_data', 'ChatOutput-r3', 'input_value', ['DataFrame'])]);

/** ChatInput → Memory Base (its results, 2 of them) → ChatOutput. */
const memoryFlow = (bySession: boolean) =>
  flow('Recall', [
    chatIn('ChatInput-m1'),
    node({
      id: 'MemoryBase-m2',
      type: 'MemoryBase',
      display_name: 'Memory Base',
      fields: { memory_base: 'mb', search_query: '', top_k: { value: 2, type: 'int' }, include_metadata: { value: true, type: 'bool' }, filter_by_session: { value: bySession, type: 'bool' } },
      outputs: [TABLE],
    }),
    chatOut('ChatOutput-m3'),
  ], [edge('ChatInput-m1', 'message', 'MemoryBase-m2', 'search_query'), edge('MemoryBase-m2', 'retrieve_data', 'ChatOutput-m3', 'input_value', ['DataFrame'])]);

const compile = (f: Json, name: string) => compileFlow(JSON.stringify(f), { file: `flows/${name}.json`, slug: 'acme', outputDir: 'app/flows', testsDir: 'tests/smoke' });

/** Writes the runtime and the compiled flows under a temp repo; returns it. */
function tenant(t: { teardown(fn: () => void): void }, flows: Array<ReturnType<typeof compile>>): string {
  const root = mkdtempSync(join(tmpdir(), 'flowc-kb-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const f of [compileRuntime({ slug: 'acme' }), compileConftest({ testsDir: 'tests/smoke' }), ...flows.flatMap((r) => r.files)]) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
  }
  return root;
}

/** Python prelude: `load(name)` imports app/flows/acme/flow_<name>.py with bag-of-words embeddings that count their calls. */
const PRELUDE = `
import importlib.util, json, re, sys, zlib
sys.path.insert(0, "app/flows/acme")
CALLS = []
class Words:
    def embed_documents(self, texts):
        CALLS.append(("documents", len(texts)))
        return [self.embed_query(t, count=False) for t in texts]
    def embed_query(self, text, count=True):
        if count: CALLS.append(("query", 1))
        v = [0.0] * 64
        for w in re.findall(r"\\w+", text.lower()): v[zlib.crc32(w.encode()) % 64] += 1.0
        return v
BUILT = []
def words(node_id, provider, model, **params):
    BUILT.append((provider, model))
    return Words()
def load(name):
    spec = importlib.util.spec_from_file_location(name, f"app/flows/acme/flow_{name}.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    m.make_embeddings = words
    return m
`;

const env = (root: string) => ({ FLOWC_DATA_DIR: join(root, 'data'), FLOWC_KNOWLEDGE_EMBEDDING: 'ollama/nomic-embed-text' });

(havePython() ? test : test.skip)('one flow ingests into a named knowledge base, another retrieves from it: nearest first, scored, deduplicated', async (t) => {
  const root = tenant(t, [compile(ingestFlow('handbook'), 'kb_ingest'), compile(retrieveFlow('handbook'), 'kb_retrieve')]);
  const script = `${PRELUDE}
ingest, retrieve = load("kb_ingest"), load("kb_retrieve")
shown = []
for text in ["Refunds are paid within 14 days", "The office opens at nine", "Refunds are paid within 14 days"]:
    shown.append(ingest.runnable.invoke({"input_value": text})["outputs"]["KnowledgeIngestion-k2"])
answer = retrieve.runnable.invoke({"input_value": "when are refunds paid"})["outputs"]["ChatOutput-r3"]
rows = retrieve.KnowledgeBase("t", "handbook", words).search("office hours nine", 2, True, False)
print(json.dumps({"shown": shown, "answer": answer, "rows": rows, "built": BUILT,
                  "saved": json.load(open("data/knowledge/handbook/embedding.json"))}))
`;
  const r = await runPython(['-c', script], { cwd: root, env: env(root) });
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { shown: string[]; answer: string; rows: Array<Record<string, unknown>>; built: string[][]; saved: unknown };
  t.deepEqual(out.shown, ['Knowledge base handbook: 1 of 1 rows added', 'Knowledge base handbook: 1 of 1 rows added', 'Knowledge base handbook: 0 of 1 rows added']);
  // The retrieval flow found the refund chunk first (its table as the chat answer).
  t.true(out.answer.indexOf('Refunds are paid') >= 0 && out.answer.indexOf('Refunds are paid') < out.answer.indexOf('office opens'), out.answer);
  t.is(out.rows[0]!.content, 'The office opens at nine');
  t.true((out.rows[0]!._score as number) > (out.rows[1]!._score as number), 'scores fall with distance');
  t.true((out.rows[0]!._score as number) <= 0, 'a score is minus a distance, as LangFlow reports it');
  t.regex(String(out.rows[0]!._id), /^[0-9a-f]{64}$/, 'the chunk id (metadata) is there when metadata is asked for');
  t.is(out.rows[0]!.sender, 'User', 'the other columns of the row are kept as metadata');
  // The base keeps the model it was filled with, named by FLOWC_KNOWLEDGE_EMBEDDING.
  t.deepEqual(out.saved, { provider: 'ollama', model: 'nomic-embed-text' });
  t.true(out.built.every(([p, m]) => p === 'ollama' && m === 'nomic-embed-text'));
});

(havePython() ? test : test.skip)('retrieving from a knowledge base nothing has filled fails naming the node and the base', async (t) => {
  const root = tenant(t, [compile(retrieveFlow('empty'), 'kb_retrieve')]);
  const r = await runPython(['-c', `${PRELUDE}\nload("kb_retrieve").runnable.invoke({"input_value": "x"})`], { cwd: root, env: env(root) });
  t.not(r.code, 0);
  t.regex(r.stderr, /node Knowledge-r2: knowledge base 'empty' is empty: run a flow that ingests into it first/);
});

(havePython() ? test : test.skip)('a memory base recalls earlier turns of the session by meaning, embeds each message once, and stays in its session', async (t) => {
  const root = tenant(t, [compile(memoryFlow(true), 'recall'), compile(memoryFlow(false), 'recall_all')]);
  const script = `${PRELUDE}
m, everywhere = load("recall"), load("recall_all")
run = lambda flow, text, session: flow.runnable.invoke({"input_value": text, "session_id": session})["outputs"]["ChatOutput-m3"]
run(m, "my favourite colour is green", "s1")
run(m, "I live in Lisbon by the river", "s1")
run(m, "I live in Porto", "s2")
before = len(CALLS)
answer = run(m, "where do I live", "s1")
embedded = sum(n for kind, n in CALLS[before:] if kind == "documents")
across = run(everywhere, "so I live in Porto now", "s3")
print(json.dumps({"answer": answer, "embedded": embedded, "across": across}))
`;
  const r = await runPython(['-c', script], { cwd: root, env: env(root) });
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { answer: string; embedded: number; across: string };
  t.true(out.answer.includes('I live in Lisbon'), out.answer);
  t.false(out.answer.includes('Porto'), 'another session is not recalled when filtering by session');
  t.false(out.answer.includes('green'), 'the nearest two only');
  // Only the messages stored since the last search were embedded (this turn's input, the last answer).
  t.true(out.embedded <= 2, `embedded ${out.embedded} messages`);
  t.true(out.across.includes('| I live in Porto'), `without the session filter every session is searched: ${out.across}`);
});

test('knowledge-base refusals name node and field; an unselected base warns and uses "default"', (t) => {
  const cases: Array<[Json, string, RegExp]> = [
    [ingestFlow('../../etc'), 'node KnowledgeIngestion-k2 (KnowledgeIngestion), field knowledge_base', /not a plain name/],
    [ingestFlow('handbook', { column_config: { value: [{ column_name: 'text', vectorize: false, identifier: true }], type: 'table' } }), 'field column_config', /no column is marked Vectorize/],
  ];
  for (const [f, where, why] of cases) {
    const err = t.throws(() => compile(f, 'bad'));
    t.true(isFlowcError(err), String(err));
    const text = isFlowcError(err) ? err.describe() : String(err);
    t.true(text.includes(where), text);
    t.regex(text, why);
  }
  const filtered = JSON.parse(JSON.stringify(retrieveFlow('handbook'))) as { data: { nodes: Array<{ id: string; data: { node: { template: Record<string, { value: unknown }> } } }> } };
  filtered.data.nodes.find((n) => n.id === 'Knowledge-r2')!.data.node.template.metadata_filter!.value = '{"source": "a.pdf"}';
  const err = t.throws(() => compile(filtered as unknown as Json, 'bad'));
  t.regex(isFlowcError(err) ? err.describe() : String(err), /node Knowledge-r2 \(Knowledge\), field metadata_filter: a metadata filter is not supported/);
  const unselected = compile(retrieveFlow(null), 'kb_retrieve');
  t.true(unselected.warnings.some((w) => /node Knowledge-r2.*field knowledge_base: no knowledge base is selected: the flow uses the tenant's knowledge base "default"/.test(w)), unselected.warnings.join('\n'));
});

(havePython() ? test : test.skip)('the generated smoke test fills the knowledge base a flow only reads, and passes', async (t) => {
  const root = tenant(t, [compile(retrieveFlow('handbook'), 'kb_retrieve'), compile(memoryFlow(true), 'recall')]);
  const r = await runPytest(['tests/smoke'], root);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /2 passed/);
});
