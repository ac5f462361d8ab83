/**
 * Issue 13, the long tail and custom components: a node with no flowc generator runs its own
 * source (which the export carries) with lfx. A custom component written here
 * (test/fixtures/components/shout.py) compiles to a source file beside the flow and a node
 * function that builds it; the compiled graph runs it for real (lfx from the pinned venv), its
 * smoke test passes, and `custom_components: refuse` refuses it naming the node. The Python
 * checker refuses a component source that does not parse, imports what is not installed, or
 * names what its module does not have, naming the node.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileConftest } from '../../src/codegen/conftest.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { isFlowcError } from '../../src/errors.js';
import { createValidator } from '../../src/python/validate.js';
import { chatThrough, node, SHOUT, shoutFlow, type Json } from './flowkit.js';
import { pythonPath, repoRoot, runPytest, runPython } from '../helpers/python.js';

function writeTenant(files: Array<{ path: string; content: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'flowc-components-'));
  for (const f of [compileRuntime({ slug: 'acme' }), compileConftest({}), ...files]) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
  }
  return root;
}

test('a custom component compiles to its own source file and a node function that builds it with lfx', (t) => {
  const r = compileFlow(shoutFlow(), { file: 'flows/shout.json', slug: 'acme' });
  const source = r.files.find((f) => f.path === 'app/flows/acme/components/shout/shout_component.py');
  t.truthy(source, r.files.map((f) => f.path).join(', '));
  t.true(source!.content.includes(SHOUT), 'the source lands unchanged in the build');
  t.regex(source!.content, /^# flowc-nodes: ShoutComponent-s1$/m);
  const module = r.files.find((f) => f.path === 'app/flows/acme/flow_shout.py')!.content;
  t.regex(module, /^COMPONENTS = Path\(__file__\).parent \/ "components\/shout"$/m);
  t.regex(module, /component = lfx_component\(\n\s+"ShoutComponent-s1",\n\s+COMPONENTS \/ "shout_component.py",/);
  t.regex(module, /"suffix": "!!",/);
  t.regex(module, /shouted = component_output\(component, "shout"\)/);
});

test('the compiled graph runs the custom component for real, and its smoke test passes', async (t) => {
  const r = compileFlow(shoutFlow(), { file: 'flows/shout.json', slug: 'acme' });
  const root = writeTenant(r.files);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const script = `
import importlib.util, json, sys
sys.path.insert(0, "app/flows/acme")
spec = importlib.util.spec_from_file_location("flow_shout", "app/flows/acme/flow_shout.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(module.runnable.invoke({"input_value": "hello there", "session_id": "s"})))
# lfx 1.13 names its Data and DataFrame JSON and Table: they still come back as flowc's.
from lfx.schema import DataFrame
from flowc_runtime import component_output, from_lfx, lfx_component
shout = lfx_component("s", module.COMPONENTS / "shout_component.py", {"text": "abc"})
length, table = component_output(shout, "count"), from_lfx(DataFrame([{"a": 1}]))
print(json.dumps([type(length).__module__, type(length).__name__, length.data, type(table).__name__, table]))
`;
  const run = await runPython(['-c', script], { cwd: root, env: { FLOWC_DATA_DIR: join(root, '.flowc-data') } });
  t.is(run.code, 0, run.stderr);
  const [answer, converted] = run.stdout.trim().split('\n').slice(-2);
  t.is((JSON.parse(answer!) as { text: string }).text, 'HELLO THERE!!');
  t.deepEqual(JSON.parse(converted!), ['flowc_runtime', 'Data', { length: 3 }, 'Table', [{ a: 1 }]]);
  const smoke = await runPytest(['tests/smoke'], root);
  t.is(smoke.code, 0, smoke.stdout + smoke.stderr);
});

test('custom_components: refuse refuses the flow, naming the node and what to do', (t) => {
  const err = t.throws(() => compileFlow(shoutFlow(), { file: 'flows/shout.json', slug: 'acme', customComponents: 'refuse' }));
  t.true(isFlowcError(err));
  t.regex(err!.message + JSON.stringify((err as { toJSON?: () => unknown }).toJSON?.()), /ShoutComponent-s1/);
  t.regex(err!.message, /custom component/);
});

test('the checker refuses a component source that does not parse, imports what is missing, or names what is not there', async (t) => {
  const validator = createValidator({ python: pythonPath() });
  t.teardown(() => validator.close());
  const cases: Array<[string, RegExp]> = [
    [SHOUT.replace('def shout(self) -> Message:', 'def shout(self) -> Message'), /node ShoutComponent-s1: its component source does not parse: line \d+/],
    [`import frobnicate_sdk\n${SHOUT}`, /node ShoutComponent-s1: its component source imports frobnicate_sdk, which is not installed/],
    [SHOUT.replace('StrInput', 'NoSuchInput'), /node ShoutComponent-s1: its component source imports .*NoSuchInput from lfx\.io, which has no such name/],
    // Required by the component itself when it runs ("please install …" on ImportError).
    [
      SHOUT.replace('    def shout(self) -> Message:\n', '    def shout(self) -> Message:\n        try:\n            import frobnicate_sdk  # noqa: F401\n        except ImportError as err:\n            raise ImportError("pip install frobnicate_sdk") from err\n'),
      /node ShoutComponent-s1: its component source requires frobnicate_sdk \(in ShoutComponent\.shout\), which is not installed/,
    ],
  ];
  for (const [source, expected] of cases) {
    const r = compileFlow(shoutFlow(source), { file: 'flows/shout.json', slug: 'acme' });
    const results = await validator.check(r.files);
    const errors = results.filter((c) => c.error);
    t.is(errors.length, 1, JSON.stringify(errors));
    t.is(errors[0]!.path, 'app/flows/acme/components/shout/shout_component.py');
    t.regex(errors[0]!.error!, expected);
  }
  // An optional import (under a try: that carries on) and one on a path the flow may not take are fine.
  const optional = SHOUT.replace('    def shout(self) -> Message:\n', '    def _to_aws(self):\n        import frobnicate_sdk\n\n    def shout(self) -> Message:\n        try:\n            import frobnicate_sdk  # noqa: F401\n        except ImportError:\n            pass\n');
  t.deepEqual((await validator.check(compileFlow(shoutFlow(optional), { file: 'flows/shout.json', slug: 'acme' }).files)).filter((c) => c.error), []);
  const good = await validator.check(compileFlow(shoutFlow(), { file: 'flows/shout.json', slug: 'acme' }).files);
  t.deepEqual(good.filter((c) => c.error), [], 'LangFlow\'s own code is not held to black');
});

test('flowc compile writes the component sources beside the preview, so it runs as it is', async (t) => {
  const { exec } = await import('../helpers/python.js');
  const dir = mkdtempSync(join(tmpdir(), 'flowc-compile-components-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'shout.json'), shoutFlow());
  const run = await exec(process.execPath, [join(repoRoot, 'bin/flowc.js'), 'compile', join(dir, 'shout.json'), '--out', join(dir, 'out')]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /wrote .*out\/components\/shout\/shout_component\.py/);
  const smoke = await runPytest(['test_shout.py'], join(dir, 'out'));
  t.is(smoke.code, 0, smoke.stdout + smoke.stderr);
});

test('a list input fed by an edge gets a list, as LangFlow collects it (edge_list)', async (t) => {
  const joiner = node({
    id: 'JoinerComponent-j1',
    type: 'JoinerComponent',
    display_name: 'Joiner',
    fields: { texts: { value: '' } },
    outputs: [{ name: 'joined', types: ['Message'] }],
    module: 'custom_components.joiner',
  }) as { data: { node: { template: Record<string, Record<string, unknown>>; outputs: Array<{ method: string }>; edited?: boolean } } };
  joiner.data.node.template.code!.value = readFileSync(join(repoRoot, 'test/fixtures/components/joiner.py'), 'utf8');
  joiner.data.node.template.texts!.list = true;
  joiner.data.node.outputs[0]!.method = 'join';
  joiner.data.node.edited = true;
  const json = chatThrough('Joiner', joiner as unknown as Json, 'JoinerComponent-j1', 'texts', 'joined');
  const r = compileFlow(Buffer.from(JSON.stringify(json)), { file: 'flows/joiner.json', slug: 'acme' });
  t.regex(r.files.find((f) => f.path.endsWith('flow_joiner.py'))!.content, /"texts": edge_list\(texts\),/);
  const root = writeTenant(r.files);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const script = `
import importlib.util, json, sys
sys.path.insert(0, "app/flows/acme")
spec = importlib.util.spec_from_file_location("flow_joiner", "app/flows/acme/flow_joiner.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from flowc_runtime import edge_list
print(json.dumps([module.runnable.invoke({"input_value": "hello there", "session_id": "s"})["text"], edge_list([1, 2], 3, [4])]))
`;
  const run = await runPython(['-c', script], { cwd: root, env: { FLOWC_DATA_DIR: join(root, '.flowc-data') } });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout.trim().split('\n').pop()!), ['1 item(s): hello there', [1, 2, 3, 4]]);
});

/** agent_tools.json with its URL tool turned into LangFlow's MCP Tools, naming `server` (or none; `undefined`: ≤1.5's own SSE server). */
function mcpFlow(server: unknown): string {
  const f = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/flows/agent_tools.json'), 'utf8'));
  const mcp = f.data.nodes.find((n: { id: string }) => n.id === 'URLComponent-u1');
  mcp.data.type = 'MCPTools';
  mcp.data.node.template = {
    code: { type: 'code', value: 'class MCPToolsComponent(ComponentWithCache):\n    name = "MCPTools"\n' },
    tool: { type: 'str', value: 'remix_lock_layer' },
    ...(server === undefined ? { mode: { type: 'str', value: 'SSE' }, sse_url: { type: 'str', value: 'http://127.0.0.1:8000/sse' } } : { mcp_server: { type: 'mcp', value: server } }),
  };
  return JSON.stringify(f);
}

test('MCP Tools with no server chosen runs its source (no tools, as in LangFlow); with a server it is refused, naming the node', (t) => {
  const built = compileFlow(mcpFlow({}), { file: 'flows/mcp.json', slug: 'acme' });
  t.true(built.files.some((f) => f.path === 'app/flows/acme/components/mcp/mcp_tools.py'), 'run from its LangFlow source');
  for (const server of [{ name: 'remix', config: { url: 'http://127.0.0.1:9/sse' } }, 'remix']) {
    const err = t.throws(() => compileFlow(mcpFlow(server), { file: 'flows/mcp.json', slug: 'acme' }));
    if (!isFlowcError(err)) return t.fail(String(err));
    t.regex(err.describe(), /^flows\/mcp\.json: node URLComponent-u1 \(MCPTools\), field code: .*needs LangFlow's own server \(it reads the MCP servers registered in LangFlow's database\)/);
  }
  // LangFlow ≤1.5: the node names its own server.
  const own = t.throws(() => compileFlow(mcpFlow(undefined), { file: 'flows/mcp.json', slug: 'acme' }));
  if (!isFlowcError(own)) return t.fail(String(own));
  t.regex(own.describe(), /^flows\/mcp\.json: node URLComponent-u1 \(MCPTools\), field sse_url: .*connects to an MCP server of its own, which a compiled flow does not do/);
});

test('components are built one at a time: LangGraph runs a step\'s nodes in threads, and Python 3.11\'s ast.parse is not thread-safe', async (t) => {
  // A long source makes two builds overlap; without the runtime's lock, 8 threads building it
  // over and over fail with "AST constructor recursion depth mismatch".
  const helpers = Array.from({ length: 400 }, (_, i) => `\n    def helper_${i}(self, value: int = ${i}) -> dict:\n        items = [value * k for k in range(10) if k % 2 == 0]\n        return {"i": ${i}, "items": items, "nested": {"a": [1, 2, (3, 4)], "b": value}}\n`).join('');
  const root = writeTenant([{ path: 'app/flows/acme/big.py', content: `${SHOUT.trimEnd()}\n${helpers}` }]);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const script = `
import sys, threading
sys.path.insert(0, "app/flows/acme")
import flowc_runtime as rt
errors = []
def build(i):
    for _ in range(15):
        rt._COMPONENT_CLASSES.clear()
        try:
            rt.lfx_component(f"Big-{i}", "app/flows/acme/big.py", {"text": "hi"})
        except Exception as err:
            errors.append(repr(err))
threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
`;
  const run = await runPython(['-c', script], { cwd: root });
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout.trim().split('\n').pop(), '0 []');
});
