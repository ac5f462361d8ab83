/**
 * Issue 12 at the host: compiled LangGraph flows served by the generated host under a real uvicorn,
 * langchain-openai calling the OpenAI stub over HTTP (which streams word by word).
 * - streaming: langserve's RemoteRunnable.stream and an HTTP client on /stream_events see the
 *   answer in several chunks before the end, adding up to the non-streamed answer;
 * - durable chat memory: a session's turn survives a hot reload of a changed flow and a restart of
 *   the host process (SQLite under FLOWC_DATA_DIR);
 * - images: a Chat Input's PNG reaches the model as an image_url content part.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileTenant } from '../../src/codegen/tenant.js';
import { reloadHost } from '../../src/langserve/reload.js';
import { repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { fixturesRoot, runPython } from '../helpers/python.js';

const TOKEN = 'graph-host-token-8c1d2e';
const ANSWER = 'Streaming works one word at a time for everyone here';
// LangFlow's Memory Chatbot when the corpus is there, else the project's own memory flow.
const SHARED_MEMORY = path.join(fixturesRoot, '1.10', 'Memory Chatbot.json');
const MEMORY = existsSync(SHARED_MEMORY) ? SHARED_MEMORY : path.join(repoRoot, 'test/fixtures/flows/memory_chat.json');

let dir: string;
let data: string;
let stub: OpenAIStub;
let host: RunningHost;

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();

function writeFlow(file: string, source: string | Buffer): string {
  const r = compileFlow(source, { file, slug: 'acme' });
  for (const f of r.files) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  return r.endpoint;
}

const start = () => startHost({ repoRoot: dir, token: TOKEN, env: { OPENAI_BASE_URL: stub.url, FLOWC_DATA_DIR: data, FLOWC_MODEL: 'openai:gpt-4o-mini' } });

const invoke = async (endpoint: string, input: Record<string, unknown>) => {
  const res = await fetch(`${host.url}/${endpoint}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return ((await res.json()) as { output: { text: string; outputs: Record<string, string> } }).output;
};

/** Every text the model was sent in the last request (system, history, user). */
const lastPrompt = () => JSON.stringify(stub.requests.at(-1)!.body.messages);

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-graph-host-'));
  data = path.join(dir, '.flowc-data');
  for (const f of compileTenant({ slug: 'acme' })) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  writeFlow('flows/memory.json', readFileSync(MEMORY));
  git('init', '-q', '-b', 'tenant/acme');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  stub = await startOpenAIStub({ reply: ANSWER });
  host = await start();
});

test.after.always(async () => {
  await host?.stop();
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.serial('RemoteRunnable.stream and /stream_events see the answer in chunks that add up to invoke', async (t) => {
  const whole = await invoke('memory', { input_value: 'hello', session_id: 'stream' });
  t.is(whole.text, ANSWER);
  const script = `
import json, sys
from langserve import RemoteRunnable
chunks = list(RemoteRunnable(sys.argv[1]).stream({"input_value": "hello", "session_id": "stream2"}))
print(json.dumps(chunks))
`;
  // Not execFileSync: the stub answers from this process's event loop.
  const run = await runPython(['-c', script, `${host.url}/memory`]);
  t.is(run.code, 0, run.stderr);
  const chunks = JSON.parse(run.stdout.trim().split('\n').pop()!) as Array<{ text?: string; outputs?: Record<string, string> }>;
  const texts = chunks.filter((c) => c.text).map((c) => c.text!);
  t.true(texts.length >= 5, `text chunks: ${JSON.stringify(chunks)}`);
  t.is(texts.join(''), ANSWER);
  // The chunks come before the end: the last one carries the outputs, no text.
  t.deepEqual(Object.values(chunks.at(-1)!.outputs ?? {}), [ANSWER]);
  t.true(stub.requests.at(-1)!.body.stream === true, 'the model was asked to stream');

  const res = await fetch(`${host.url}/memory/stream_events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: 'hello', session_id: 'stream3' } }),
  });
  const events = (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { event?: string; data?: { chunk?: { content?: string } } });
  const tokens = events.filter((e) => e.event === 'on_chat_model_stream').map((e) => e.data?.chunk?.content ?? '');
  t.true(tokens.filter((x) => x).length >= 5, `stream events: ${tokens.length}`);
  t.is(tokens.join(''), ANSWER);
});

test.serial('a session is remembered across a hot reload of a changed flow and a restart of the host', async (t) => {
  stub.reply = 'Nice to meet you, Zed.';
  await invoke('memory', { input_value: 'my name is Zed', session_id: 'zed' });
  // The flow changes and is hot-reloaded.
  const changed = JSON.parse(readFileSync(MEMORY, 'utf8').replace(/"display_name":\s*"Chat Output"/, '"display_name": "Chat Output (changed)"'));
  changed.name = `${changed.name ?? 'memory'} (changed)`;
  writeFlow('flows/memory.json', JSON.stringify(changed));
  git('add', '-A');
  git('commit', '-qm', 'changed');
  const reloaded = await reloadHost({ url: host.url, token: TOKEN, expectedCommit: git('rev-parse', 'HEAD') });
  t.is(reloaded.generation, 2);
  // The host process is killed and started again.
  await host.stop();
  host = await start();
  stub.reply = 'You are Zed.';
  await invoke('memory', { input_value: 'what is my name?', session_id: 'zed' });
  t.regex(lastPrompt(), /Zed/);
  // Another session knows nothing of it.
  await invoke('memory', { input_value: 'what is my name?', session_id: 'other' });
  t.notRegex(lastPrompt(), /Zed/);
});

test.serial('a Chat Input image reaches the model as an image_url content part', async (t) => {
  const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  await invoke('memory', { input_value: 'what is in the picture?', session_id: 'img', files: [png] });
  const user = stub.requests.at(-1)!.body.messages.at(-1)!;
  t.is(user.role, 'user');
  t.deepEqual(user.content, [
    { type: 'text', text: 'what is in the picture?' },
    { type: 'image_url', image_url: { url: png } },
  ]);
});
