/**
 * Issue 13, fidelity judged against LangFlow itself: the same starter projects run under LangFlow's
 * own runtime (`lfx run`, lfx 1.13.0 in a test-only venv: python/requirements-differential.txt)
 * and as flowc compiled them, both against one local OpenAI stub that records every request. What
 * reaches the model must be the same: each request's messages (role and text, tool calls and their
 * results) and the tools offered (name, description, parameters).
 *
 * Both sides get the flow with its model set to OpenAI gpt-4o-mini (LangFlow's starter projects
 * leave it empty); the stub answers an agent's first request with a calculator call when the agent
 * has the calculator, so the tool round trip is compared too, and a structured-output request (its
 * JSON schema compared too) with one record. A File node with no file selected reads one local
 * document on both sides. Standalone lfx keeps no chat history
 * (its message store is a no-op without LangFlow's database), so LangFlow's side runs through
 * lfx_memory.py: lfx's own CLI with the message table in a JSON file, one per flow.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { startOpenAIStub, textOf, type OpenAIStub, type RecordedRequest } from '../helpers/openai-stub.js';
import { fixturesRoot, repoRoot, runPython } from '../helpers/python.js';

/** Two turns of one session: the second must carry the first in its history. */
const MEMORY = ['My name is Zed.', 'What is my name?'];

/** A starter project compared again with some fields changed: node type → field → value. */
interface Variant {
  label: string;
  fields: Record<string, Record<string, unknown>>;
}

/**
 * The flows compared: [release folder, starter project, turns, variant]: prompts, chains, agents
 * with tools (the calculator round trip), a loop, chat memory over two turns of one session, and
 * the Agent's structured response (the model's own structured output; with a tool, the agent run
 * with the schema in its system prompt).
 */
const FLOWS: Array<[string, string, string[]?, Variant?]> = [
  ['1.8', 'Basic Prompting'],
  ['1.10', 'Basic Prompting'],
  ['1.13', 'Basic Prompting'],
  ['1.10', 'Basic Prompt Chaining'],
  ['1.8', 'Simple Agent'],
  ['1.10', 'Simple Agent'],
  ['1.13', 'Simple Agent'],
  ['1.8', 'SEO Keyword Generator'],
  ['1.10', 'SEO Keyword Generator'],
  ['1.13', 'SEO Keyword Generator'],
  ['1.8', 'Twitter Thread Generator'],
  ['1.10', 'Twitter Thread Generator'],
  ['1.13', 'Twitter Thread Generator'],
  ['1.8', 'Research Translation Loop'],
  ['1.10', 'Research Translation Loop'],
  ['1.13', 'Research Translation Loop'],
  ['1.13', 'Image Sentiment Analysis'],
  ['1.13', 'Blog Writer'],
  ['1.8', 'Memory Chatbot', MEMORY],
  ['1.10', 'Memory Chatbot', MEMORY],
  ['1.13', 'Multi Agent Flow', MEMORY],
  // The Agent's structured response: the model's own structured output (a JSON schema request).
  ['1.13', 'Financial Report Parser'],
  ['1.13', 'Financial Report Parser', undefined, { label: 'with the calculator', fields: { Agent: { add_calculator_tool: true } } }],
];
const INPUT = 'What is 2+2? Answer briefly.';
/** What a File node with no file selected reads, on both sides. */
const DOCUMENT = 'Acme Corp annual report. Revenue: $10M. Gross profit: $4M. Net income: $1M.';
/** LangFlow's model selection for OpenAI gpt-4o-mini (the shape LangFlow's model picker saves). */
const MODEL = [{ name: 'gpt-4o-mini', provider: 'OpenAI', category: 'OpenAI', icon: 'OpenAI', metadata: { model_class: 'ChatOpenAI', model_name_param: 'model', api_key_param: 'api_key', context_length: 128000 } }];

const present = FLOWS.every(([folder, name]) => existsSync(path.join(fixturesRoot, folder, `${name}.json`)));
if (!present) console.log(`differential test skipped: LangFlow fixtures not found under ${fixturesRoot}`);

let dir: string;
let python: string;
let stub: OpenAIStub;

test.before(async () => {
  if (!present) return;
  // The test-only venv (scripts/test.sh builds it first; a direct `ava` run builds it here, once).
  python =
    process.env.FLOWC_DIFFERENTIAL_PYTHON ??
    execFileSync('bash', [path.join(repoRoot, 'scripts/pyenv.sh'), path.join(repoRoot, 'python/requirements-differential.txt')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-differential-'));
  const runtime = compileRuntime({ slug: 'diff' });
  mkdirSync(path.dirname(path.join(dir, runtime.path)), { recursive: true });
  writeFileSync(path.join(dir, runtime.path), runtime.content);
  stub = await startOpenAIStub({
    host: '127.0.0.2',
    // An agent with the calculator calls it once; everything else gets a plain answer.
    reply: (request) => {
      // A structured-output request (JSON schema): one record, every field filled.
      const format = request.body.response_format as { json_schema?: { schema?: { $defs?: Record<string, { properties?: object }> } } } | undefined;
      if (format) {
        const fields = Object.keys(format.json_schema?.schema?.$defs?.OutputModel?.properties ?? {});
        return JSON.stringify({ objects: [Object.fromEntries(fields.map((f) => [f, 'stub answer']))] });
      }
      const offered = (request.body.tools ?? []).map((t) => (t as { function?: { name?: string } }).function?.name);
      const called = request.body.messages.some((m) => m.role === 'tool');
      return offered.includes('evaluate_expression') && !called ? { toolCalls: [{ id: 'call_1', name: 'evaluate_expression', arguments: { expression: '2+2' } }] } : 'stub answer';
    },
  });
});

test.after.always(async () => {
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Every language-model selection in the flow (nested flows too) set to MODEL; a File node with no
 * file reads `document`; the variant's fields set.
 */
function withModel(flow: unknown, document: string, variant?: Variant): unknown {
  const walk = (nodes: unknown[]) => {
    for (const n of nodes as Array<{ data?: { type?: string; node?: { template?: Record<string, Record<string, unknown>>; flow?: { data: { nodes: unknown[] } } } } }>) {
      const node = n.data?.node;
      if (node?.flow) walk(node.flow.data.nodes);
      for (const [field, value] of Object.entries(variant?.fields[n.data?.type ?? ''] ?? {})) node!.template![field]!.value = value;
      const model = node?.template?.model;
      if (model && model._input_type === 'ModelInput' && (model.model_type ?? 'language') === 'language') model.value = MODEL;
      const path = node?.template?.path;
      const none = (v: unknown) => !v || (Array.isArray(v) && v.length === 0);
      // LangFlow keeps an upload's path in `file_path` (flowc reads the value).
      if (n.data?.type === 'File' && path && none(path.value) && none(path.file_path)) {
        path.value = [document];
        path.file_path = [document];
      }
    }
  };
  walk((flow as { data: { nodes: unknown[] } }).data.nodes);
  return flow;
}

const env = () => ({ ...process.env, OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: 'sk-differential', DO_NOT_TRACK: 'true', PYTHONDONTWRITEBYTECODE: '1' });

/** What reached the model, without what legitimately differs (timestamps, call ids, streaming). */
function normalise(requests: RecordedRequest[]) {
  const clean = (s: string) => s.replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?: ?UTC|Z|[+-]\d{2}:?\d{2})?/g, '<now>');
  return requests.map((r) => ({
    messages: r.body.messages.map((m) => ({
      role: m.role,
      text: clean(textOf(m.content)),
      ...(m.tool_calls ? { tool_calls: (m.tool_calls as Array<{ function: { name: string; arguments: string } }>).map((c) => ({ name: c.function.name, arguments: JSON.parse(c.function.arguments || '{}') })) } : {}),
    })),
    ...(r.body.response_format ? { response_format: r.body.response_format } : {}),
    tools: (r.body.tools ?? [])
      .map((t) => (t as { function: { name: string; description?: string; parameters?: { properties?: Record<string, { type?: string; description?: string }>; required?: string[] } } }).function)
      .map((f) => ({
        name: f.name,
        description: clean(f.description ?? ''),
        parameters: Object.fromEntries(Object.entries(f.parameters?.properties ?? {}).map(([k, v]) => [k, { type: v.type, description: v.description ?? '' }])),
        required: [...(f.parameters?.required ?? [])].sort(),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  }));
}

function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...env(), ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const FLOWC_RUN = `
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("flow", sys.argv[2])
flow = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flow)
for turn in json.loads(sys.argv[3]):
    print(json.dumps(flow.runnable.invoke({"input_value": turn, "session_id": sys.argv[4]})))
`;
const LFX_MEMORY = path.join(repoRoot, 'test/differential/lfx_memory.py');

for (const [index, [folder, name, turns = [INPUT], variant]] of FLOWS.entries()) {
  const title = `${folder}/${name}${variant ? ` (${variant.label})` : ''}`;
  (present ? test.serial : test.skip)(`${title}: flowc sends the model what LangFlow sends`, async (t) => {
    const document = path.join(dir, 'report.txt');
    writeFileSync(document, DOCUMENT);
    const patched = JSON.stringify(withModel(JSON.parse(readFileSync(path.join(fixturesRoot, folder, `${name}.json`), 'utf8')), document, variant));
    const id = `f${index}`;
    const file = path.join(dir, `${folder}-${name}-${id}.json`);
    writeFileSync(file, patched);

    stub.requests.length = 0;
    for (const turn of turns) {
      const lf = await run(python, [LFX_MEMORY, 'run', file, turn, '--session-id', `session-${id}`, '--format', 'json', '--no-check-dependencies'], dir, {
        FLOWC_LFX_MEMORY: path.join(dir, `${id}.memory.json`),
        // Standalone lfx reads no local file unless told it may (the File node's document).
        LANGFLOW_RESTRICT_LOCAL_FILE_ACCESS: 'false',
      });
      t.is(lf.code, 0, `lfx run: ${lf.stdout}${lf.stderr}`);
    }
    const langflow = normalise(stub.requests);

    const compiled = compileFlow(patched, { file: `flows/${id}.json`, slug: 'diff' });
    for (const f of compiled.files) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.content);
    }
    stub.requests.length = 0;
    const flowsDir = path.join(dir, 'app/flows/diff');
    const ours = await runPython(['-c', FLOWC_RUN, flowsDir, path.join(flowsDir, `flow_${id}.py`), JSON.stringify(turns), `session-${id}`], { cwd: dir, env: { ...env(), FLOWC_DATA_DIR: path.join(dir, '.flowc-data') } });
    t.is(ours.code, 0, `flowc: ${ours.stderr}`);
    const flowc = normalise(stub.requests);

    t.true(langflow.length > 0, 'LangFlow called the model');
    // FLOWC_DIFF_DUMP=<dir> keeps both sides for reading a difference at leisure.
    if (process.env.FLOWC_DIFF_DUMP) {
      mkdirSync(process.env.FLOWC_DIFF_DUMP, { recursive: true });
      for (const [side, value] of [['langflow', langflow], ['flowc', flowc]] as const) writeFileSync(path.join(process.env.FLOWC_DIFF_DUMP, `${title.replace('/', '-')}.${side}.json`), JSON.stringify(value, null, 1));
    }
    t.deepEqual(flowc, langflow);
  });
}
