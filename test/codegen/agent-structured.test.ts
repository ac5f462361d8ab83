/**
 * The Agent's structured_response output (LangFlow 1.11–1.13), on LangFlow's own Financial Report
 * Parser (File → Agent.structured_response → Parser → Chat Output), compiled and run:
 *
 * - no tools: the model's own structured output (langchain-openai against a local stub), asked with
 *   the system prompt and the input's text only; the record it answers reaches the Chat Output;
 * - a model without structured output: the agent is asked in its system prompt (format
 *   instructions and the JSON schema) and the JSON in its prose answer is parsed;
 * - with a tool: the agent runs with the schema in its prompt, even on a model that has structured output;
 * - no schema: the input passes through as {"content": ...}, no model called;
 * - a type LangFlow does not know: a compile warning, and Data with the error at run time.
 *
 * One Python run for every case.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { fixturesRoot, havePython, runPython } from '../helpers/python.js';
import { startOpenAIStub, textOf } from '../helpers/openai-stub.js';

const FLOW = join(fixturesRoot, '1.13', 'Financial Report Parser.json');
const present = existsSync(FLOW);
if (!present) console.log(`agent structured_response test skipped: ${FLOW} not found (../shared/fixtures/langflow/1.13)`);

const DOCUMENT = 'Acme Corp annual report. Revenue: $10M. Net income: $1M.';
const RECORD = { EBITDA: '$2M', NET_INCOME: '$1M', GROSS_PROFIT: '$4M', REVENUE: '$10M', EBIT: '$1.5M', NET_MARGIN: '10%', COMPANY: 'Acme Corp' };
/** The Parser's pattern with RECORD filled in (the flow's own table). */
const TABLE = ['## 📊 Acme Corp', '', '| Metric | Value |', '|--------|-------|', '| Revenue | $10M |', '| Gross Profit | $4M |', '| EBITDA | $2M |', '| Operating Income (EBIT) | $1.5M |', '| Net Income | $1M |', '| Net Margin | 10% |'].join('\n');

type Node = { data: { type: string; node: { template: Record<string, { value: unknown }> } } };

/** The flow with its Agent's (and Parser's) fields changed. */
function variant(agent: Record<string, unknown>, pattern?: string): string {
  const flow = JSON.parse(readFileSync(FLOW, 'utf8')) as { data: { nodes: Node[] } };
  for (const n of flow.data.nodes) {
    const fields = n.data.type === 'Agent' ? agent : n.data.type === 'ParserComponent' && pattern ? { pattern } : {};
    for (const [k, v] of Object.entries(fields)) n.data.node.template[k]!.value = v;
  }
  return JSON.stringify(flow);
}

/** Each case's flow module runs with the stub's model (stub) or a chat model without structured output (prose). */
const SCRIPT = `
import importlib.util, json, sys
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

sys.path.insert(0, sys.argv[1])
SEEN = []


class ProseChat(BaseChatModel):
    """A chat model with no structured output: answers the record inside prose."""

    @property
    def _llm_type(self):
        return "prose"

    def with_structured_output(self, schema, **kwargs):
        raise NotImplementedError

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        SEEN.append([[m.type, m.content] for m in messages])
        answer = "Here it is: " + ${JSON.stringify(JSON.stringify(RECORD))} + " Done."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=answer))])


out = {}
for name, model in json.loads(sys.argv[2]):
    spec = importlib.util.spec_from_file_location(name, f"{sys.argv[1]}/flow_{name}.py")
    flow = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flow)
    if model == "prose":
        flow.make_chat_model = lambda *args, **kwargs: ProseChat()
    del SEEN[:]
    result = flow.runnable.invoke({"input_value": "", "session_id": name})
    out[name] = {"outputs": result["outputs"], "seen": list(SEEN)}
print(json.dumps(out))
`;

(present && havePython() ? test : test.skip)('the Agent structured_response of Financial Report Parser answers as LangFlow’s', async (t) => {
  const cases: Array<[name: string, model: 'stub' | 'prose', flow: string]> = [
    ['native', 'stub', variant({})],
    ['prose', 'prose', variant({})],
    ['tools', 'stub', variant({ add_calculator_tool: true })],
    ['no_schema', 'stub', variant({ output_schema: [] }, '{content}')],
    ['bad_type', 'stub', variant({ output_schema: [{ name: 'X', description: '', type: 'decimal', multiple: 'False' }] }, '{error}')],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'flowc-agent-structured-'));
  const stub = await startOpenAIStub({
    // Structured output asks with a JSON schema: the record as JSON; otherwise it in prose.
    reply: (request) => (request.body.response_format ? JSON.stringify({ objects: [RECORD] }) : `The figures: ${JSON.stringify(RECORD)}`),
  });
  t.teardown(async () => {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const modules: Record<string, string> = {};
  for (const [name, , json] of cases) {
    const r = compileFlow(json, { file: `flows/${name}.json`, slug: 't', outputDir: '.' });
    for (const f of r.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    modules[name] = r.files.find((f) => f.path === `t/flow_${name}.py`)!.content;
    if (name === 'bad_type') t.true(r.warnings.some((w) => /Agent-\w+ \(Agent\), field output_schema: schema row 1 has type "decimal"/.test(w)), r.warnings.join('\n'));
  }
  const runtime = compileRuntime({ slug: 't', outputDir: '.' });
  writeFileSync(join(dir, runtime.path), runtime.content);
  t.regex(modules.native!, /structured_response = agent_structured_response\(/);
  t.notRegex(modules.native!, /agent_runner\(/, 'only the used output is computed');
  writeFileSync(join(dir, 'report.txt'), DOCUMENT);

  const run = await runPython(['-c', SCRIPT, join(dir, 't'), JSON.stringify(cases.map(([name, model]) => [name, model]))], {
    cwd: dir,
    env: { OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: 'sk-test', FLOWC_MODEL: 'openai:gpt-4o-mini', FLOWC_FILE: join(dir, 'report.txt'), FLOWC_DATA_DIR: join(dir, '.flowc-data') },
  });
  t.is(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, { outputs: Record<string, string>; seen: Array<Array<[string, string]>> }>;
  const shown = (name: string) => Object.values(out[name]!.outputs);
  const requests = stub.requests.map((r) => r.body);

  // No tools: one structured-output request with the system prompt and the document only.
  t.deepEqual(shown('native'), [TABLE]);
  const native = requests[0]!;
  t.deepEqual(
    native.messages.map((m) => [m.role, textOf(m.content)]),
    [
      ['system', 'You are a financial report parser. Extract the financial metrics defined in the output schema from the provided report. Use ONLY values stated in the document, keeping their currency and units. If a metric is not present, leave it empty - never guess or fabricate numbers.'],
      ['user', DOCUMENT],
    ],
  );
  const format = native.response_format as { type: string; json_schema: { name: string; schema: { properties: Record<string, { minItems?: number; items?: { $ref?: string } }>; $defs: Record<string, { required: string[] }> } } };
  t.is(format.type, 'json_schema');
  t.is(format.json_schema.name, 'OutputModel');
  t.deepEqual(Object.keys(format.json_schema.schema.properties), ['objects'], 'the records are asked for as a list');
  t.is(format.json_schema.schema.properties.objects!.minItems, 1);
  t.deepEqual(format.json_schema.schema.$defs.OutputModel!.required, Object.keys(RECORD), 'every field of a record is required');

  // No structured output: the agent is asked in its system prompt, and its prose answer parsed.
  t.deepEqual(shown('prose'), [TABLE]);
  const [system, user] = out.prose!.seen[0]!;
  t.deepEqual(user, ['human', DOCUMENT]);
  t.true(system![1].startsWith('You are a financial report parser.'), system![1]);
  t.true(system![1].includes('\n\nFormat instructions: Extract the fields defined in the schema'), system![1]);
  t.regex(system![1], /\n\nYou must respond ONLY with a JSON object matching this schema\. .*\nSchema:\n\{\n {2}"\$defs"/s);

  // A tool: the agent runs (the tool offered, no structured-output request), its answer parsed.
  t.deepEqual(shown('tools'), [TABLE]);
  const withTools = requests[1]!;
  t.falsy(withTools.response_format);
  t.deepEqual((withTools.tools ?? []).map((tool) => (tool as { function: { name: string } }).function.name), ['evaluate_expression']);
  t.regex(textOf(withTools.messages[0]!.content), /Format instructions: .*Schema:\n/s);

  // No schema: the input passes through, and no model is asked.
  t.deepEqual(shown('no_schema'), [DOCUMENT]);
  // A type LangFlow does not know: the output carries the error.
  t.deepEqual(shown('bad_type'), ['Invalid type: decimal']);
  t.is(requests.length, 2, 'only the native and the tools cases called the stub');
});
