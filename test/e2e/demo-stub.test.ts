/**
 * scripts/openai-stub.mjs, the demo's stand-in model: the OpenAI chat wire format langchain-openai
 * speaks (JSON and SSE), a port chosen by the OS, a clean exit on SIGTERM.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/gitrepo.js';

test('the demo stub answers chat completions (JSON and streamed) and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/openai-stub.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`stub exited: ${out}`)));
    });
    const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'Question: what is flowc?' }] }];
    const res = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages }) });
    t.is(res.status, 200);
    const json = (await res.json()) as { object: string; model: string; choices: Array<{ message: { role: string; content: string }; finish_reason: string }> };
    t.is(json.object, 'chat.completion');
    t.is(json.model, 'gpt-4o-mini');
    t.is(json.choices[0]!.message.role, 'assistant');
    t.regex(json.choices[0]!.message.content, /^flowc compiled your LangFlow flow.*you said: "Question: what is flowc\?"/);
    t.is(json.choices[0]!.finish_reason, 'stop');

    const sse = await (await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages, stream: true, stream_options: { include_usage: true } }) })).text();
    const events = sse.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    t.is(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string } }>; usage?: unknown });
    t.is(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), json.choices[0]!.message.content);
    t.truthy(chunks.at(-1)!.usage);

    t.is((await fetch(`${url}/embeddings`, { method: 'POST', body: '{}' })).status, 404);
    t.is((await fetch(`${url}/chat/completions`, { method: 'POST', body: 'not json' })).status, 400);
    child.kill('SIGTERM');
    t.is(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
