/** Graph IR: bindings, layers, sub-graphs, used outputs, cycle rules. */
import test from 'ava';
import { FlowcError } from '../../src/errors.js';
import { buildGraph, normalizeFlow } from '../../src/langflow/index.js';
import { basicChat, edge, flow, node, type Json } from '../codegen/flowkit.js';

const graph = (f: Json) => buildGraph(normalizeFlow(f, 'flows/g.json'));

test('bindings: constant, edge, list of edges, secret reference', (t) => {
  const f = flow('b', [
    node({ id: 'A-1', type: 'ChatInput', outputs: ['message'] }),
    node({ id: 'A-2', type: 'ChatInput', outputs: ['message'] }),
    node({ id: 'T-1', type: 'Agent', fields: { tools: '', system_prompt: 'be nice', api_key: { value: 'KEY_NAME', password: true, load_from_db: true }, other_key: { value: '', password: true }, typed_key: { value: 'sk-typed', password: true } }, outputs: ['response'] }),
  ], [edge('A-1', 'message', 'T-1', 'tools'), edge('A-2', 'message', 'T-1', 'tools')]);
  const n = graph(f).byId.get('T-1')!;
  t.deepEqual(n.inputs.system_prompt, { kind: 'const', value: 'be nice' });
  t.deepEqual(n.inputs.tools, { kind: 'edges', edges: [{ source: 'A-1', output: 'message', types: ['Message'] }, { source: 'A-2', output: 'message', types: ['Message'] }] });
  t.deepEqual(n.inputs.api_key, { kind: 'secret', env: 'KEY_NAME', literal: false });
  t.deepEqual(n.inputs.other_key, { kind: 'secret', env: null, literal: false });
  t.deepEqual(n.inputs.typed_key, { kind: 'secret', env: null, literal: true });
  t.false(JSON.stringify(n.inputs).includes('sk-typed'));
});

test('layers: inputs first, each node after what feeds it; used outputs recorded', (t) => {
  const g = graph(basicChat());
  t.deepEqual(g.layers, [['ChatInput-aaaaa', 'Prompt-bbbbb'], ['LanguageModelComponent-ccccc'], ['ChatOutput-ddddd']]);
  t.deepEqual(g.byId.get('LanguageModelComponent-ccccc')!.usedOutputs, ['text_output']);
  t.deepEqual(g.byId.get('ChatOutput-ddddd')!.usedOutputs, []);
  t.deepEqual(g.subgraphs.length, 1);
});

test('disconnected sub-graphs are found and ordered', (t) => {
  const f = flow('s', [
    node({ id: 'B-2', type: 'TextOutput', fields: { input_value: '' }, outputs: ['text'] }),
    node({ id: 'B-1', type: 'TextInput', outputs: ['text'] }),
    node({ id: 'A-1', type: 'ChatInput', outputs: ['message'] }),
    node({ id: 'A-2', type: 'ChatOutput', fields: { input_value: '' }, outputs: ['message'] }),
  ], [edge('A-1', 'message', 'A-2', 'input_value'), edge('B-1', 'text', 'B-2', 'input_value')]);
  const g = graph(f);
  t.deepEqual(g.subgraphs, [['A-1', 'A-2'], ['B-1', 'B-2']]);
  t.deepEqual(g.nodes.map((n) => n.subgraph), [0, 1, 0, 1]);
});

const cyclic = (loopType: string) =>
  flow('c', [
    node({ id: 'ChatInput-1', type: 'ChatInput', outputs: ['message'] }),
    node({ id: 'Loop-1', type: loopType, fields: { data: '' }, outputs: ['item', 'done'] }),
    node({ id: 'Body-1', type: 'Prompt', fields: { x: '' }, outputs: ['prompt'] }),
  ], [edge('ChatInput-1', 'message', 'Loop-1', 'data'), edge('Loop-1', 'item', 'Body-1', 'x'), edge('Body-1', 'prompt', 'Loop-1', 'data')]);

test('a cycle through a loop is ordered, its back edge becomes feedback', (t) => {
  const g = graph(cyclic('LoopComponent'));
  t.deepEqual(g.layers, [['ChatInput-1'], ['Loop-1'], ['Body-1']]);
  t.deepEqual(g.feedback.map((e) => [e.source, e.target]), [['Body-1', 'Loop-1']]);
});

test('any other cycle is refused naming the nodes on it', (t) => {
  const err = t.throws(() => graph(cyclic('Prompt')), { instanceOf: FlowcError })!;
  t.is(err.message, 'cycle not through a loop or router: Body-1 → Loop-1 → Body-1');
  t.is(err.where.nodeId, 'Body-1');
});
