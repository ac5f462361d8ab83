/**
 * Issue 12, durable chat memory on PostgreSQL: two host processes of one tenant, each under a real
 * uvicorn with its own FLOWC_DATA_DIR, share one real PostgreSQL server (FLOWC_DATABASE_URL). A turn
 * taken on one host is in the prompt of the same session's next turn on the other.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileTenant } from '../../src/codegen/tenant.js';
import { repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { fixturesRoot } from '../helpers/python.js';

const TOKEN = 'pg-history-token-41ab';
const SHARED_MEMORY = path.join(fixturesRoot, '1.10', 'Memory Chatbot.json');
const MEMORY = existsSync(SHARED_MEMORY) ? SHARED_MEMORY : path.join(repoRoot, 'test/fixtures/flows/memory_chat.json');

let dir: string;
let stub: OpenAIStub;
let pg: RunningPostgres;
const hosts: RunningHost[] = [];

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-pg-history-'));
  const compiled = compileFlow(readFileSync(MEMORY), { file: 'flows/memory.json', slug: 'acme' });
  for (const f of [...compileTenant({ slug: 'acme' }), ...compiled.files]) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  pg = await startPostgres();
  stub = await startOpenAIStub({ reply: 'Noted.' });
  // Started together: both create the store's tables at once on an empty database.
  hosts.push(
    ...(await Promise.all(
      ['a', 'b'].map((name) =>
        startHost({
          repoRoot: dir,
          token: TOKEN,
          env: { OPENAI_BASE_URL: stub.url, FLOWC_MODEL: 'openai:gpt-4o-mini', FLOWC_DATABASE_URL: pg.url, FLOWC_DATA_DIR: path.join(dir, `data-${name}`) },
        }),
      ),
    )),
  );
});

test.after.always(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await stub?.close();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const invoke = async (host: RunningHost, input: Record<string, unknown>) => {
  const res = await fetch(`${host.url}/memory/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return ((await res.json()) as { output: { text: string } }).output;
};
const lastPrompt = () => JSON.stringify(stub.requests.at(-1)!.body.messages);

test.serial('a turn on one host is remembered by the other through PostgreSQL', async (t) => {
  const [a, b] = hosts as [RunningHost, RunningHost];
  stub.reply = 'Nice to meet you, Zed.';
  await invoke(a, { input_value: 'my name is Zed', session_id: 'zed' });
  stub.reply = 'You are Zed.';
  await invoke(b, { input_value: 'what is my name?', session_id: 'zed' });
  t.regex(lastPrompt(), /my name is Zed/);
  t.regex(lastPrompt(), /Nice to meet you, Zed\./);
  // And back: b's turn is in a's next prompt.
  await invoke(a, { input_value: 'and again?', session_id: 'zed' });
  t.regex(lastPrompt(), /what is my name\?/);
  // Another session sees nothing of it.
  await invoke(b, { input_value: 'what is my name?', session_id: 'other' });
  t.notRegex(lastPrompt(), /Zed/);
});

test.serial('with a database URL no SQLite file is written', (t) => {
  for (const name of ['a', 'b']) {
    const data = path.join(dir, `data-${name}`);
    t.deepEqual(existsSync(data) ? readdirSync(data) : [], [], `${data} should stay empty`);
  }
});
