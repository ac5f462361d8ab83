/**
 * The generated host's tracing, against a loopback OTLP/protobuf receiver: with an endpoint
 * configured it instruments LangChain with OpenInference (flow invocations → CHAIN/LLM spans) and
 * `/restart` continues the caller's W3C traceparent; it exports to the collectors flowc.yaml names
 * as well as OTEL_*'s, as flowc itself does (issue 14 #17). (Phoenix itself: the telemetry e2e.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compileServer } from '../../src/codegen/server.js';
import { configuredCollectors } from '../../src/telemetry/targets.js';
import { reloadHost } from '../../src/langserve/reload.js';
import { repoRoot, startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { startReceiver, type Receiver } from '../telemetry/otlp-receiver.js';

const TOKEN = 'host-tracing-token-77c1';
let dir: string;
let stub: OpenAIStub;
let receiver: Receiver;
/** The collector flowc.yaml names (telemetry.jaeger), compiled into the host. */
let configured: Receiver;
let host: RunningHost;

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowc-host-trace-'));
  mkdirSync(path.join(dir, 'app/flows/acme'), { recursive: true });
  stub = await startOpenAIStub({ reply: 'traced answer' });
  receiver = await startReceiver();
  configured = await startReceiver();
  const server = compileServer({ slug: 'acme', collectors: configuredCollectors({ jaeger: configured.url }) });
  writeFileSync(path.join(dir, server.path), server.content);
  writeFileSync(path.join(dir, 'app/flows/acme/flow_hello.py'), readFileSync(path.join(repoRoot, 'test/fixtures/host/flow_hello.py')));
  host = await startHost({
    repoRoot: dir,
    token: TOKEN,
    env: {
      OPENAI_BASE_URL: stub.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      PHOENIX_PROJECT_NAME: 'acme-project',
      OTEL_SERVICE_NAME: undefined,
    },
  });
});

test.after.always(async () => {
  await host?.stop();
  await stub?.close();
  await receiver?.close();
  await configured?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.serial('/restart continues the caller trace (traceparent) in a langserve.restart span', async (t) => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  const result = await reloadHost({ url: host.url, token: TOKEN, traceparent: `00-${traceId}-${parent}-01` });
  t.is(result.generation, 2);
  const spans = await receiver.until((s) => s.some((x) => x.name === 'langserve.restart'));
  const restart = spans.find((x) => x.name === 'langserve.restart')!;
  t.is(restart.traceId, traceId);
  t.is(restart.parentSpanId, parent);
  t.is(restart.attributes.tenant, 'acme');
  t.is(restart.attributes['langserve.generation'], 2);
  t.is(restart.resource['service.name'], 'flowc-host-acme');
  t.is(restart.resource['openinference.project.name'], 'acme-project');
  // The collector of flowc.yaml gets the same span: host and flowc export to the same collectors.
  const copy = (await configured.until((s) => s.some((x) => x.name === 'langserve.restart'))).find((x) => x.name === 'langserve.restart')!;
  t.is(copy.traceId, traceId);
});

test.serial('invoking a served flow exports OpenInference CHAIN and LLM spans', async (t) => {
  const res = await fetch(`${host.url}/hello/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { input_value: 'trace me' } }),
  });
  t.is(res.status, 200);
  t.is(((await res.json()) as { output: string }).output, 'traced answer');
  const kinds = (s: Receiver['spans']) => new Set(s.map((x) => x.attributes['openinference.span.kind']));
  const spans = await receiver.until((s) => kinds(s).has('LLM') && kinds(s).has('CHAIN'));
  const llm = spans.find((x) => x.attributes['openinference.span.kind'] === 'LLM')!;
  t.is(llm.attributes['llm.model_name'], 'gpt-4o-mini');
  t.is(llm.resource['openinference.project.name'], 'acme-project');
  // The whole invocation is one trace: the LLM span shares the root chain's trace id.
  const chain = spans.find((x) => x.attributes['openinference.span.kind'] === 'CHAIN' && x.traceId === llm.traceId);
  t.truthy(chain);
});
