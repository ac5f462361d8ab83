/**
 * Acceptance 5: the same flow compiles to byte-identical files; layout-only changes (positions,
 * viewport, selection, dragging, sizes) leave input-sha256 unchanged; a parameter change alters it.
 */
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { parseHeader } from '../../src/codegen/header.js';
import { basicChat, type Json } from './flowkit.js';

const opts = { file: 'flows/chat.json', slug: 'acme' };
type Flow = { data: { nodes: Array<Record<string, unknown> & { data: { node: { template: Record<string, { value: unknown }> } } }>; edges: Array<Record<string, unknown>>; viewport?: unknown } };
const base = () => basicChat() as unknown as Flow;

test('same input → byte-identical files, and the header carries the hashes', (t) => {
  const src = JSON.stringify(basicChat());
  const a = compileFlow(src, opts);
  const b = compileFlow(Buffer.from(src), opts);
  t.deepEqual(a.files, b.files);
  for (const f of a.files) {
    const parsed = parseHeader(f.content)!;
    t.truthy(parsed, f.path);
    t.is(parsed.header.inputSha256, a.inputSha256);
    t.is(parsed.header.source, 'flows/chat.json');
    t.is(parsed.header.sourceSha256, a.sourceSha256);
  }
});

test('layout-only changes keep input-sha256; the source hash still tells the bytes apart', (t) => {
  const before = compileFlow(JSON.stringify(base()), opts);
  const moved = base();
  moved.data.viewport = { x: 120, y: -40, zoom: 0.7 };
  moved.data.nodes.forEach((n, i) => {
    Object.assign(n, { position: { x: i * 300, y: 17 }, positionAbsolute: { x: i, y: 2 }, selected: i === 1, dragging: true, width: 384, height: 512, measured: { width: 1, height: 2 } });
  });
  moved.data.edges.forEach((e) => Object.assign(e, { selected: true, animated: true, className: 'stroke-connection' }));
  const after = compileFlow(JSON.stringify(moved, null, 2), opts);
  t.is(after.inputSha256, before.inputSha256);
  t.deepEqual(after.files.map((f) => parseHeader(f.content)!.body), before.files.map((f) => parseHeader(f.content)!.body));
  t.not(after.sourceSha256, before.sourceSha256);
});

test('key order in the JSON is not meaning', (t) => {
  const reverse = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
  const a = compileFlow(JSON.stringify(base()), opts);
  const b = compileFlow(JSON.stringify(reverse(base())), opts);
  t.is(b.inputSha256, a.inputSha256);
  t.deepEqual(b.files.map((f) => parseHeader(f.content)!.body), a.files.map((f) => parseHeader(f.content)!.body));
});

const CHANGES: Array<[string, (f: Flow) => void]> = [
  ['a prompt template', (f) => (f.data.nodes[1]!.data.node.template.template!.value = 'Something else {topic}')],
  ['a prompt variable value', (f) => (f.data.nodes[1]!.data.node.template.topic!.value = 'graphs')],
  ['the temperature', (f) => (f.data.nodes[2]!.data.node.template.temperature!.value = 0.9)],
  ['the ChatInput default text', (f) => (f.data.nodes[0]!.data.node.template.input_value!.value = 'Hi')],
  ['an edge', (f) => f.data.edges.splice(1, 1)],
  ['the flow name', (f) => Object.assign(f, { name: 'Renamed' })],
];

for (const [what, change] of CHANGES) {
  test(`changing ${what} changes input-sha256`, (t) => {
    const before = compileFlow(JSON.stringify(base()), opts).inputSha256;
    const f = base();
    change(f);
    t.not(compileFlow(JSON.stringify(f), opts).inputSha256, before);
  });
}

test('output-affecting options are part of input-sha256', (t) => {
  const src = JSON.stringify(basicChat() as Json);
  const h = (o: Partial<typeof opts> & { outputDir?: string; testsDir?: string }) => compileFlow(src, { ...opts, ...o }).inputSha256;
  const base = h({});
  t.not(h({ slug: 'other' }), base);
  t.not(h({ outputDir: 'srv/flows' }), base);
  t.not(h({ testsDir: 't' }), base);
  t.not(h({ file: 'flows/other.json' }), base);
});
