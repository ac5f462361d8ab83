/**
 * The OpenAI stub speaks what langchain-openai expects: one Python process drives ChatOpenAI
 * against it (plain, streamed, tool calls plain and streamed, an HTTP error), then the recorded
 * requests are checked here.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { echoReply, startOpenAIStub, type StubReply } from './openai-stub.js';
import { pythonBin } from './host.js';

const run = promisify(execFile);

const SCRIPT = `
import json, sys
from langchain_openai import ChatOpenAI
from langchain_core.tools import tool

@tool
def search(q: str) -> str:
    """Search the web."""
    return q

llm = ChatOpenAI(model="gpt-4o-mini", base_url=sys.argv[1], api_key="sk-test", max_retries=0)
out = {}
out["plain"] = llm.invoke("hello there").content
chunks = [c.content for c in llm.stream("stream this please")]
out["streamed"] = "".join(chunks)
out["chunks"] = len([c for c in chunks if c])
bound = llm.bind_tools([search])
out["tool"] = bound.invoke("find flowc").tool_calls
acc = None
for c in bound.stream("find flowc streaming"):
    acc = c if acc is None else acc + c
out["tool_streamed"] = acc.tool_calls
try:
    llm.invoke("fail")
    out["error"] = None
except Exception as err:
    out["error"] = f"{type(err).__name__}: {err}"
print(json.dumps(out))
`;

test('langchain-openai works against the stub: text, streaming, tool calls, errors', async (t) => {
  const stub = await startOpenAIStub();
  t.teardown(() => stub.close());
  stub.reply = (req, n): string | StubReply => {
    if (n === 2 || n === 3) return { toolCalls: [{ name: 'search', arguments: { q: 'flowc' } }] };
    if (n === 4) return { status: 500, content: 'boom' };
    return n === 0 ? echoReply(req) : 'one two three four';
  };
  const { stdout } = await run(pythonBin(), ['-c', SCRIPT, stub.url], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const out = JSON.parse(stdout);
  t.is(out.plain, 'user: hello there');
  t.is(out.streamed, 'one two three four');
  t.true(out.chunks >= 4);
  t.is(out.tool.length, 1);
  t.is(out.tool[0].name, 'search');
  t.deepEqual(out.tool[0].args, { q: 'flowc' });
  t.deepEqual(out.tool_streamed.map((c: { name: string; args: unknown }) => [c.name, c.args]), [['search', { q: 'flowc' }]]);
  t.regex(out.error, /Error.*boom/);
  t.is(stub.requests.length, 5);
  t.true(stub.requests[1]!.body.stream);
  t.is((stub.requests[2]!.body.tools as Array<{ function: { name: string } }>)[0]!.function.name, 'search');
  t.is(stub.requests[0]!.headers.authorization, 'Bearer sk-test');
});
