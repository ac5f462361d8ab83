#!/usr/bin/env node
// A tiny OpenAI-compatible chat server for the demo (scripts/demo.sh), so a served answer needs no
// API key and no network. Listens on 127.0.0.1 (port from --port, default 0 = any free port) and
// prints one line `openai-stub listening http://127.0.0.1:<port>/v1` when ready. Point
// langchain-openai at it with OPENAI_BASE_URL=<that url> and any OPENAI_API_KEY.
//
// POST /v1/chat/completions (JSON, or SSE with `stream: true`) answers with a fixed sentence that
// quotes the last user message; GET /v1/models lists one model. Everything else is a 404.
import { createServer } from 'node:http';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

/** Plain text of a message content (string or list of parts). */
const text = (content) =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (typeof p === 'string' ? p : p?.text ?? '')).join('') : '';

function answer(body) {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const asked = text(user?.content).split('\n').filter(Boolean).at(-1) ?? '';
  return `flowc compiled your LangFlow flow into LangServe Python, committed it, tagged it and served this answer (stub model; you said: "${asked.slice(0, 200)}").`;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const send = (status, obj) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') return send(200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', owned_by: 'flowc-demo' }] });
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return send(404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return send(400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    const content = answer(body);
    const id = `chatcmpl-demo-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'gpt-4o-mini';
    const usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 };
    process.stderr.write(`openai-stub: ${model} ← ${JSON.stringify((body.messages ?? []).map((m) => m.role))}\n`);
    if (!body.stream) {
      return send(200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta, finish, extra = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
    chunk({ role: 'assistant', content: '' }, null);
    for (const word of content.match(/\S+\s*/g) ?? []) chunk({ content: word }, null);
    chunk({}, 'stop');
    if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`openai-stub listening http://127.0.0.1:${server.address().port}/v1\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
