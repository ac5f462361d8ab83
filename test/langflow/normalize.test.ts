/** Normalisation: notes, aliases, module names, œ handles, feedback edges, schema_version, layout-free JSON. */
import test from 'ava';
import { layoutFreeJson, normalizeFlow, parseJson } from '../../src/langflow/index.js';
import { edge, flow, node, type Json } from '../codegen/flowkit.js';

const norm = (f: Json) => normalizeFlow(f, 'flows/x.json');

test('notes are skipped; aliases and metadata.module give one canonical type', (t) => {
  const f = flow('n', [
    node({ id: 'parser-1', type: 'parser', outputs: ['parsed_text'] }),
    node({ id: 'Prompt-1', type: 'Prompt Template', outputs: ['prompt'] }),
    node({ id: 'URL-1', type: 'URL', outputs: ['page_results'] }),
    node({ id: 'Weird-1', type: 'SomethingElse', module: 'lfx.components.processing.parser.ParserComponent', outputs: ['parsed_text'] }),
    { id: 'note-1', type: 'noteNode', data: { id: 'note-1', node: { description: 'hello' } } },
  ], []);
  const n = norm(f);
  t.deepEqual(n.nodes.map((x) => [x.id, x.type, x.dataType]), [
    ['parser-1', 'ParserComponent', 'parser'],
    ['Prompt-1', 'Prompt', 'Prompt Template'],
    ['URL-1', 'URLComponent', 'URL'],
    ['Weird-1', 'ParserComponent', 'SomethingElse'],
  ]);
});

test('edge handles come from edge.data, else from the œ strings', (t) => {
  const e = edge('A-1', 'message', 'B-1', 'input_value') as Record<string, unknown>;
  delete e.data;
  const f = flow('e', [node({ id: 'A-1', type: 'ChatInput', outputs: ['message'] }), node({ id: 'B-1', type: 'ChatOutput', fields: { input_value: '' }, outputs: ['message'] })], [e as Json]);
  const [only] = norm(f).edges;
  t.like(only, { source: 'A-1', sourceOutput: 'message', target: 'B-1', targetField: 'input_value', targetOutput: null });
});

test('a loop feedback edge (target handle names an output) is marked', (t) => {
  const e = edge('P-1', 'prompt', 'LoopComponent-1', 'x') as { data: { targetHandle: Record<string, unknown> } };
  e.data.targetHandle = { id: 'LoopComponent-1', name: 'item', output_types: ['Data'] };
  const f = flow('l', [node({ id: 'LoopComponent-1', type: 'LoopComponent', outputs: ['item', 'done'] }), node({ id: 'P-1', type: 'Prompt', outputs: ['prompt'] })], [e as unknown as Json]);
  t.like(norm(f).edges[0], { targetField: null, targetOutput: 'item' });
});

test('schema_version: declared version raised by shape features', (t) => {
  const plain = flow('v', [node({ id: 'A-1', type: 'ChatInput', outputs: ['message'] })], [], { last_tested_version: '1.4.3' });
  t.is(norm(plain).schemaVersion, '1.4');
  const withModule = flow('v', [node({ id: 'A-1', type: 'ChatInput', outputs: ['message'], module: 'lfx.components.input_output.chat.ChatInput' })], [], { last_tested_version: '1.4.3' });
  t.is(norm(withModule).schemaVersion, '1.6');
  const table = flow('v', [node({ id: 'A-1', type: 'X', outputs: [{ name: 'o', types: ['Table'] }] })], [], { last_tested_version: '1.4.3' });
  t.is(norm(table).schemaVersion, '1.10');
  const modelList = flow('v', [node({ id: 'A-1', type: 'LanguageModelComponent', fields: { model: { value: [], _input_type: 'ModelInput' } }, outputs: ['text_output'] })], []);
  t.is(norm(modelList).schemaVersion, '1.8');
  t.is(norm({ data: { nodes: [], edges: [] } }).schemaVersion, '1.0');
});

test('unknown keys are ignored; a BOM is accepted', (t) => {
  const f = flow('u', [node({ id: 'A-1', type: 'ChatInput', outputs: ['message'] })], [], { brand_new_key: { deep: [1, 2] } });
  const text = `\ufeff${JSON.stringify(f)}`;
  t.is(norm(parseJson(text, 'flows/u.json') as Json).nodes.length, 1);
});

test('layoutFreeJson ignores layout and key order, not parameters', (t) => {
  const a = flow('h', [node({ id: 'A-1', type: 'ChatInput', fields: { input_value: 'x' }, outputs: ['message'] })], []) as { data: { nodes: Array<Record<string, unknown>>; viewport: unknown } };
  const before = layoutFreeJson(a);
  Object.assign(a.data.nodes[0]!, { position: { x: 9, y: 9 }, selected: true, dragging: true, measured: { width: 3 } });
  a.data.viewport = { x: 1, y: 2, zoom: 3 };
  t.is(layoutFreeJson(a), before);
  ((a.data.nodes[0]!.data as { node: { template: { input_value: { value: string } } } }).node.template.input_value.value = 'y');
  t.not(layoutFreeJson(a), before);
});
