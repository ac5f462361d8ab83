/**
 * Compiled flows behave like LangFlow's components: prompts (f-string, mustache; variables
 * from fields and edges), session-scoped memory written by ChatInput/ChatOutput, structured
 * output as Data and Table, parsers, legacy model nodes, text-only flows, run-time model choice,
 * the hosted services (ScrapeGraph, Apify, Needle, Yahoo! Finance, AssemblyAI, YouTube, Save File)
 * against a local stand-in that records every request, and a real langchain-openai client pointed
 * at a local OpenAI-compatible stub through the deployer's environment. One pytest run for the
 * Python-side checks.
 */
import test from 'ava';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { havePython, repoRoot, runPytest, runPython } from '../helpers/python.js';
import { startOpenAIStub } from '../helpers/openai-stub.js';
import { isFlowcError } from '../../src/errors.js';
import { basicChat } from './flowkit.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'flows');

function compileInto(dir: string, file: string, source: string | Buffer): { warnings: string[]; flow: string } {
  const r = compileFlow(source, { file, slug: 't', outputDir: '.', testsDir: 't' });
  const flow = r.files.find((f) => basename(f.path).startsWith('flow_'))!;
  writeFileSync(join(dir, basename(flow.path)), flow.content);
  // The tenant runtime the flow imports, beside it.
  writeFileSync(join(dir, 'flowc_runtime.py'), compileRuntime({ slug: 't', outputDir: '.' }).content);
  return { warnings: r.warnings, flow: flow.content };
}

(havePython() ? test : test.skip)('compiled fixture flows behave like their LangFlow components', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-behaviour-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const compiled: Record<string, string> = {};
  for (const entry of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    compiled[entry] = compileInto(dir, `flows/${entry}`, readFileSync(join(FIXTURES, entry))).flow;
  }
  // Only the outputs edges use are computed: a Data-only StructuredOutput builds no Table, etc.
  t.regex(compiled['structured_both.json']!, /structured_output = objects_data\(objects\)/);
  t.regex(compiled['structured_both.json']!, /dataframe_output = Table\(objects\)/);
  t.notRegex(compiled['memory_chat.json']!, /model_output = model/);
  t.regex(compiled['text_only.json']!, /# prompt_dangling: left out, nothing uses its output/);
  copyFileSync(join(repoRoot, 'test', 'codegen', 'behaviour_checks.py'), join(dir, 'test_behaviour.py'));
  const r = await runPytest(['test_behaviour.py'], dir, { FLOWS_DIR: dir });
  t.log(r.stdout.split('\n').filter((l) => /^(PASSED|FAILED|ERROR)|passed|failed/.test(l)).join('\n'));
  t.is(r.code, 0, r.stdout + r.stderr);
});

(havePython() ? test : test.skip)('a real OpenAI client reaches a local stub through OPENAI_BASE_URL and env keys', async (t) => {
  const stub = await startOpenAIStub({ reply: 'stubbed answer' });
  const dir = mkdtempSync(join(tmpdir(), 'flowc-stub-'));
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stub.close();
  });
  compileInto(dir, 'flows/keyed.json', JSON.stringify(basicChat({ apiKey: { value: 'FLOWC_TEST_KEY', password: true, load_from_db: true } })));
  const noModel = compileInto(dir, 'flows/runtime.json', JSON.stringify(basicChat({ model: [] })));
  t.true(noModel.warnings.some((w) => w.includes('LanguageModelComponent-ccccc') && w.includes('field model') && w.includes('run time')));
  const script = `
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
def load(name):
    spec = importlib.util.spec_from_file_location(name, sys.argv[1] + "/flow_" + name + ".py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m
a = load("keyed").runnable.invoke({"input_value": "hi there"})
b = load("runtime").runnable.invoke({"input_value": "second"})
print(json.dumps([a["text"], b["text"]]))
`;
  const r = await runPython(['-c', script, dir], {
    // Chat history under the test's dir, not the working directory (the repo).
    env: { OPENAI_BASE_URL: stub.url, FLOWC_TEST_KEY: 'sk-test-keyed', OPENAI_API_KEY: 'sk-conventional', FLOWC_MODEL: 'openai:gpt-runtime', FLOWC_DATA_DIR: `${dir}/.flowc-data` },
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), ['stubbed answer', 'stubbed answer']);
  t.is(stub.requests.length, 2);
  const [keyed, runtime] = stub.requests;
  t.is(keyed!.headers.authorization, 'Bearer sk-test-keyed');
  t.is(keyed!.body.model, 'gpt-4o-mini');
  t.deepEqual(keyed!.body.messages.map((m) => [m.role, m.content]), [
    ['system', 'You are an expert on flows.'],
    ['user', 'hi there'],
  ]);
  t.is(keyed!.body.temperature, 0.2);
  t.is(runtime!.body.model, 'gpt-runtime');
  t.is(runtime!.headers.authorization, 'Bearer sk-conventional');
});

test('Save File refuses cloud storage and Yahoo! Finance an unknown method, naming node and field', (t) => {
  const media = JSON.parse(readFileSync(join(FIXTURES, 'media_files.json'), 'utf8'));
  const save = media.data.nodes.find((n: { id: string }) => n.id === 'SaveToFile-f1');
  save.data.node.template.storage_location.value = [{ name: 'AWS', selected: true }];
  const services = JSON.parse(readFileSync(join(FIXTURES, 'services.json'), 'utf8'));
  const yahoo = services.data.nodes.find((n: { id: string }) => n.id === 'YfinanceComponent-y2');
  yahoo.data.node.template.method.value = 'get_everything';
  for (const [file, flow, where] of [
    ['flows/media_files.json', media, 'node SaveToFile-f1 (SaveToFile), field storage_location'],
    ['flows/services.json', services, 'node YfinanceComponent-y2 (YfinanceComponent), field method'],
  ] as const) {
    const err = t.throws(() => compileFlow(JSON.stringify(flow), { file, slug: 't' }));
    if (!isFlowcError(err)) return t.fail(`not a FlowcError: ${String(err)}`);
    t.true(err.describe().startsWith(`${file}: ${where}:`), err.describe());
  }
});
