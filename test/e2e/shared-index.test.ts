/**
 * Issue 16, shared state across host replicas: two generated hosts on one FLOWC_DATA_DIR (a
 * ReadWriteMany volume in production). The ingestion entry point on one replica writes the FAISS
 * index; the other replica's chat path reads it, and reads it again after the next ingestion
 * replaced it (written whole, renamed into place; readers reload a changed file).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { compileServer } from '../../src/codegen/server.js';
import { repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';

const TOKEN = 'shared-index-token-8c2d41e7';
let dir: string;
let stub: OpenAIStub;
const hosts: RunningHost[] = [];

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-shared-index-'));
  const source = readFileSync(path.join(repoRoot, 'test/fixtures/flows/rag_faiss.json'));
  const compiled = compileFlow(source, { file: 'flows/rag.json', slug: 'acme' });
  for (const f of [compileServer({ slug: 'acme' }), compileRuntime({ slug: 'acme' }), ...compiled.files]) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  writeFileSync(path.join(dir, 'handbook.txt'), 'Refunds are paid within 30 days.');
  stub = await startOpenAIStub();
  // The answer is what the model was asked: the retrieved handbook lines are in it.
  stub.reply = (req) => String(req.body.messages.at(-1)?.content ?? '');
  const env = { OPENAI_BASE_URL: stub.url, FLOWC_DATA_DIR: path.join(dir, 'shared-data'), FLOWC_FILE: path.join(dir, 'handbook.txt') };
  for (let i = 0; i < 2; i++) hosts.push(await startHost({ repoRoot: dir, token: TOKEN, env }));
});

test.after.always(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = async (host: RunningHost, route: string, input: Record<string, string>) => {
  const res = await fetch(`${host.url}${route}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  return { status: res.status, text: ((await res.json()) as { output?: { text?: string } }).output?.text ?? '' };
};

test.serial('one replica ingests, the other answers from the index; a second ingestion reaches it too', async (t) => {
  const [writer, reader] = hosts as [RunningHost, RunningHost];
  const ingested = await post(writer, '/rag/ingest', { input_value: '' });
  t.is(ingested.status, 200, ingested.text);
  const first = await post(reader, '/rag', { input_value: 'When are refunds paid?', session_id: 'a' });
  t.is(first.status, 200);
  t.regex(first.text, /Refunds are paid within 30 days\./, 'the other replica read the index the first one wrote');

  writeFileSync(path.join(dir, 'handbook.txt'), 'Refunds are paid within 14 days.');
  t.is((await post(writer, '/rag/ingest', { input_value: '' })).status, 200);
  const second = await post(reader, '/rag', { input_value: 'When are refunds paid?', session_id: 'b' });
  t.regex(second.text, /within 14 days/);
  t.notRegex(second.text, /within 30 days/, 'the replaced index, not a cached copy');
});
