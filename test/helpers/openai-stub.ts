/**
 * An OpenAI-compatible chat server on 127.0.0.1 (random port) standing in for the provider, so
 * generated flows run real langchain-openai code over HTTP. Point the flow at it with
 * `OPENAI_BASE_URL=<stub.url>` (already ends in `/v1`) and any `OPENAI_API_KEY`.
 *
 *   const stub = await startOpenAIStub();                 // default: echo (see `echoReply`)
 *   const stub = await startOpenAIStub({ reply: 'hi' });  // always "hi"
 *   stub.reply = (req, n) => n === 0 ? { toolCalls: [{ name: 'search', arguments: { q: 'x' } }] } : 'done';
 *   stub.requests                                         // every chat request, in order
 *   await stub.close();
 *
 * Serves `POST /v1/chat/completions` (JSON, or SSE when `stream: true`, with a usage chunk when
 * `stream_options.include_usage`), `POST /v1/embeddings` (bag-of-words vectors, see `embedText`;
 * recorded in `stub.embeddings`) and `GET /v1/models`. A reply is a string (assistant text) or a
 * `StubReply` (text and/or tool calls, or an HTTP error to send instead), or a function of the
 * request returning either (sync or async). Anything else → 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (model, messages, tools, stream, ...). */
  body: { model?: string; messages: ChatMessage[]; stream?: boolean; tools?: unknown[]; [key: string]: unknown };
}

export interface StubToolCall {
  id?: string;
  name: string;
  /** An object is JSON-encoded; a string is sent as is. */
  arguments: string | Record<string, unknown>;
}

export interface StubReply {
  content?: string;
  toolCalls?: StubToolCall[];
  /** Answer with this HTTP status and an OpenAI-style error body instead of a completion. */
  status?: number;
}

/** `index` counts chat requests from 0 across the stub's life; may be async (e.g. to hold a request in flight). */
export type ReplyScript = (request: RecordedRequest, index: number) => string | StubReply | Promise<string | StubReply>;

export interface OpenAIStub {
  /** Base URL for OPENAI_BASE_URL, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Every embeddings request, in order (kept apart from the chat requests). */
  embeddings: Array<{ headers: RecordedRequest['headers']; body: { model?: string; input: unknown; encoding_format?: string; [key: string]: unknown } }>;
  /** What the next requests get; may be reassigned at any time. */
  reply: string | StubReply | ReplyScript;
  close(): Promise<void>;
}

/** Plain text of a message's content (string or list of parts). */
export const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('')
      : '';

export const EMBED_DIMENSIONS = 64;

/** A deterministic embedding: word counts hashed into EMBED_DIMENSIONS slots (texts sharing words are close). */
export function embedText(text: string): number[] {
  const vector = new Array<number>(EMBED_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/\w+/g) ?? []) {
    let h = 2166136261;
    for (const c of word) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
    vector[h % EMBED_DIMENSIONS]! += 1;
  }
  return vector;
}

/** The default reply: every message as `role: text`, one per line, so a test sees what the flow sent. */
export const echoReply = (request: RecordedRequest): string =>
  request.body.messages.map((m) => `${m.role}: ${textOf(m.content)}`).join('\n');

/**
 * `host` binds another loopback address: lfx (LangFlow's runtime) rewrites 127.0.0.1 and localhost
 * to the Docker gateway inside a container, where its SSRF guard then blocks it; 127.0.0.2 is left
 * alone.
 */
export async function startOpenAIStub(options: { reply?: string | StubReply | ReplyScript; host?: string } = {}): Promise<OpenAIStub> {
  let count = 0;
  const stub: OpenAIStub = { url: '', requests: [], embeddings: [], reply: options.reply ?? echoReply, close: async () => {} };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(err), type: 'stub_error' } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/v1/models') {
      send(res, 200, { object: 'list', data: [{ id: 'stub-model', object: 'model', owned_by: 'flowc-tests' }] });
      return;
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OpenAIStub['embeddings'][number]['body'];
      stub.embeddings.push({ headers: req.headers, body });
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      // The openai client asks for base64 (little-endian float32) unless told otherwise.
      const encode = (v: number[]) => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
      send(res, 200, {
        object: 'list',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: encode(embedText(String(text))) })),
        model: body.model ?? 'stub-embedding',
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, 404, { error: { message: `stub: no route ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = { path, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    stub.requests.push(recorded);
    const index = count++;
    const raw = typeof stub.reply === 'function' ? await stub.reply(recorded, index) : stub.reply;
    const reply: StubReply = typeof raw === 'string' ? { content: raw } : raw;
    if (reply.status && reply.status >= 400) {
      send(res, reply.status, { error: { message: reply.content ?? 'stub error', type: 'stub_error' } });
      return;
    }
    const model = recorded.body.model ?? 'stub-model';
    const id = `chatcmpl-stub-${index}`;
    const created = 1_700_000_000 + index;
    const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_stub_${index}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const content = reply.content ?? (toolCalls.length ? null : '');
    const finish = toolCalls.length ? 'tool_calls' : 'stop';
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

    if (!recorded.body.stream) {
      send(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
            finish_reason: finish,
            logprobs: null,
          },
        ],
        usage,
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const event = (choices: unknown[], extra: object = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
    event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    // A few word-sized deltas, so streaming consumers really see several chunks.
    for (const piece of (content ?? '').match(/\S*\s*/g)?.filter((p) => p) ?? []) {
      event([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
    toolCalls.forEach((call, i) =>
      event([{ index: 0, delta: { tool_calls: [{ index: i, ...call } ] }, finish_reason: null }]),
    );
    event([{ index: 0, delta: {}, finish_reason: finish }]);
    const streamOptions = recorded.body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) event([], { usage });
    res.end('data: [DONE]\n\n');
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  stub.url = `http://${host}:${port}/v1`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
