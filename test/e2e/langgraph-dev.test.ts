/**
 * Issue 12, LangGraph conventions: the tenant's generated langgraph.json validates with LangGraph's
 * own CLI, and LangGraph's dev server (`langgraph dev`, a pinned test-only venv:
 * python/requirements-langgraph-server.txt) loads the tenant's graphs from the repo root and
 * answers a run through langgraph-sdk, the model being the local OpenAI stub.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileTenant } from '../../src/codegen/tenant.js';
import { repoRoot } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { fixturesRoot, runPython } from '../helpers/python.js';

const SHARED_MEMORY = path.join(fixturesRoot, '1.10', 'Memory Chatbot.json');
const MEMORY = existsSync(SHARED_MEMORY) ? SHARED_MEMORY : path.join(repoRoot, 'test/fixtures/flows/memory_chat.json');
const PROMPTING = path.join(repoRoot, 'test/fixtures/flows/prompt_variants.json');

let dir: string;
let python: string;
let stub: OpenAIStub;
let server: ChildProcess | undefined;
let url: string;
let log = '';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test.before(async () => {
  // The test-only venv (scripts/test.sh builds it first; a direct `ava` run builds it here, once).
  python =
    process.env.FLOWC_LANGGRAPH_PYTHON ??
    execFileSync('bash', [path.join(repoRoot, 'scripts/pyenv.sh'), path.join(repoRoot, 'python/requirements-langgraph-server.txt')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-langgraph-dev-'));
  const flows = [compileFlow(readFileSync(MEMORY), { file: 'flows/memory.json', slug: 'acme' }), compileFlow(readFileSync(PROMPTING), { file: 'flows/prompting.json', slug: 'acme' })];
  for (const f of [...compileTenant({ slug: 'acme', graphs: flows.map((r) => r.moduleId) }), ...flows.flatMap((r) => r.files)]) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  stub = await startOpenAIStub({ reply: 'Hello from the graph server' });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(path.join(path.dirname(python), 'langgraph'), ['dev', '--no-browser', '--no-reload', '--host', '127.0.0.1', '--port', String(port), '--config', 'langgraph.json'], {
    cwd: dir,
    detached: true, // its own process group: the server's workers go with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'sk-flowc-test',
      FLOWC_MODEL: 'openai:gpt-4o-mini',
      FLOWC_DATA_DIR: path.join(dir, '.flowc-data'),
      LANGGRAPH_CLI_NO_ANALYTICS: '1',
      LANGGRAPH_NO_VERSION_CHECK: 'true',
      LANGSMITH_TRACING: 'false',
      PYTHONDONTWRITEBYTECODE: '1',
    },
  });
  server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`langgraph dev exited ${server.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`langgraph dev did not answer /ok in 120 s:\n${log}`);
    const ok = await fetch(`${url}/ok`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.after.always(async () => {
  if (server?.pid) {
    const group = -server.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(group, s);
        return true;
      } catch {
        return false; // the whole group is gone
      }
    };
    if (signal('SIGTERM')) {
      await new Promise((r) => setTimeout(r, 3000));
      signal('SIGKILL'); // stragglers of the group (the API server's workers)
    }
    server.stdout?.destroy();
    server.stderr?.destroy();
  }
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('langgraph.json validates with LangGraph\'s CLI and names every flow\'s graph', async (t) => {
  const run = await runPython(['-c', 'import json, pathlib; from langgraph_cli.config import validate_config_file; print(json.dumps(validate_config_file(pathlib.Path("langgraph.json"))["graphs"]))'], { cwd: dir, python });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout), { memory: './app/flows/acme/flow_memory.py:graph', prompting: './app/flows/acme/flow_prompting.py:graph' });
});

test('the LangGraph dev server loads the graphs and answers a run through langgraph-sdk', async (t) => {
  const script = `
import json, sys
from langgraph_sdk import get_sync_client
client = get_sync_client(url=sys.argv[1])
graphs = sorted(a["graph_id"] for a in client.assistants.search())
thread = client.threads.create()
values = client.runs.wait(thread["thread_id"], "memory", input={"input_value": "hello graph server", "session_id": "lg"})
print(json.dumps({"graphs": graphs, "values": values}))
`;
  // Not execFileSync: the stub answers from this process's event loop.
  const run = await runPython(['-c', script, url], { python });
  t.is(run.code, 0, `${run.stderr}\n--- server log ---\n${log}`);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { graphs: string[]; values: { text: string; outputs: Record<string, string> } };
  t.deepEqual(out.graphs, ['memory', 'prompting']);
  t.is(out.values.text, 'Hello from the graph server');
  t.deepEqual(Object.values(out.values.outputs), ['Hello from the graph server']);
  t.regex(JSON.stringify(stub.requests.at(-1)!.body.messages), /hello graph server/);
});
