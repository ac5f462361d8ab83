/**
 * End to end in a real Arize Phoenix (issue 6, acceptance 1). Slow (Phoenix and the LangServe host
 * start up in Python), so it is its own program, run by scripts/phoenix-e2e.sh, and prints its own
 * `phoenix-e2e: N passed, N failed` line.
 *
 *   1. `phoenix serve` on loopback: temp working dir, telemetry and external resources off;
 *   2. a tenant repo (real bare remote) whose host (app/server.py under uvicorn) traces to Phoenix,
 *      with an OpenAI-compatible stub as the model;
 *   3. a new flow in flows/, then `flowc reconcile --once` with telemetry.phoenix set;
 *   4. the served flow is invoked;
 *   5. Phoenix's REST API (/v1/projects/<name>/spans) is polled until the reconcile → codegen.<slug>
 *      spans (tenant, stack_port, parent/child) and an LLM span from the invocation are there.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { compileServer } from '../../src/codegen/server.js';
import { startHost, type RunningHost } from '../helpers/host.js';
import { startOpenAIStub } from '../helpers/openai-stub.js';
import { repoRoot, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';

const exec = promisify(execFile);
const SLUG = 'acme';
const STACK_PORT = 4101;
const PROJECT = 'flowc-e2e-acme';
const FLOW_ID = 'hello-chat';
const RESTART_TOKEN = 'e2e-restart-token-5d1c0b7a';
const STUB_ANSWER = 'stub says hello from the model';
const fixture = path.resolve(repoRoot, '../shared/fixtures/langflow/1.10/Basic Prompting.json');

interface PhoenixSpan {
  name: string;
  context: { trace_id: string; span_id: string };
  span_kind: string;
  parent_id: string | null;
  status_code: string;
  attributes: Record<string, unknown>;
}

const results: Array<{ name: string; ok: boolean; detail?: string }> = [];
function check(name: string, ok: boolean, detail?: string): boolean {
  results.push({ name, ok, ...(detail === undefined ? {} : { detail }) });
  console.log(`${ok ? 'ok    ' : 'FAILED'} ${name}${!ok && detail ? `\n       ${detail.split('\n').join('\n       ')}` : ''}`);
  return ok;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function startPhoenix(workDir: string): Promise<{ url: string; stop: () => Promise<void>; output: () => string }> {
  const { stdout } = await exec('bash', [path.join(repoRoot, 'scripts/phoenix-env.sh')], { maxBuffer: 1 << 20 });
  const bin = stdout.trim();
  const [port, grpcPort] = [await freePort(), await freePort()];
  const child = spawn(bin, ['serve'], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      HOME: workDir,
      PHOENIX_WORKING_DIR: workDir,
      PHOENIX_HOST: '127.0.0.1',
      PHOENIX_PORT: String(port),
      PHOENIX_GRPC_PORT: String(grpcPort),
      PHOENIX_TELEMETRY_ENABLED: 'false',
      PHOENIX_ALLOW_EXTERNAL_RESOURCES: 'false',
      PHOENIX_DISABLE_AGENT_ASSISTANT: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  };
  try {
    await until('Phoenix /healthz', 180_000, async () => {
      if (child.exitCode !== null) throw Object.assign(new Error('exited'), { fatal: true });
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw new Error(`phoenix serve did not come up (${(err as Error).message}):\n${out.slice(-3000)}`);
  }
  return { url, stop, output: () => out };
}

async function spansOf(phoenixUrl: string): Promise<PhoenixSpan[]> {
  const res = await fetch(`${phoenixUrl}/v1/projects/${encodeURIComponent(PROJECT)}/spans?limit=1000`);
  if (!res.ok) return [];
  return ((await res.json()) as { data: PhoenixSpan[] }).data;
}

async function main(): Promise<number> {
  if (!existsSync(fixture)) {
    console.log(`skipped: LangFlow fixture not found at ${fixture}`);
    console.log('phoenix-e2e: 0 passed, 0 failed, 1 skipped');
    return 0;
  }
  const cleanups: Array<() => Promise<void> | void> = [];
  const work = mkdtempSync(path.join(os.tmpdir(), 'flowc-phoenix-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  try {
    const started = Date.now();
    const phoenix = await startPhoenix(work);
    cleanups.unshift(phoenix.stop);
    console.log(`phoenix up at ${phoenix.url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const stub = await startOpenAIStub({ reply: STUB_ANSWER });
    cleanups.unshift(stub.close);

    // The tenant repo, and its LangServe host up before the build (as in the stack), tracing to Phoenix.
    const repo: TenantRepo = await tenantRepo({ slug: SLUG });
    cleanups.push(repo.cleanup);
    const server = compileServer({ slug: SLUG });
    repo.write(server.path, server.content);
    await repo.git('add', server.path);
    await repo.git('commit', '-q', '-m', 'host');
    const host: RunningHost = await startHost({
      repoRoot: repo.dir,
      token: RESTART_TOKEN,
      env: {
        OPENAI_BASE_URL: stub.url,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${phoenix.url}/v1/traces`,
        PHOENIX_PROJECT_NAME: PROJECT,
      },
      readyTimeoutMs: 120_000,
    });
    cleanups.unshift(() => host.stop());

    repo.write(
      'flowc.yaml',
      [
        `slug: ${SLUG}`,
        `stack_port: ${STACK_PORT}`,
        'validate: compile',
        'langserve:',
        `  url: ${host.url}`,
        'telemetry:',
        `  phoenix: ${phoenix.url}`,
        `  project_name: ${PROJECT}`,
        '',
      ].join('\n'),
    );
    await repo.git('commit', '-q', '-am', 'config');
    repo.write(`flows/${FLOW_ID}.json`, readFileSync(fixture));

    const flowc = await exec(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), 'reconcile', '--once'], {
      cwd: repo.dir,
      env: {
        ...process.env,
        FLOWC_LOG_FORMAT: 'json',
        LANGSERVE_RESTART_TOKEN: RESTART_TOKEN,
        FLOWC_PYTHON: process.env.FLOWC_PYTHON ?? path.join(repoRoot, '.venv/bin/python'),
      },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    check('flowc reconcile --once exits 0', flowc.code === 0, `exit ${flowc.code}\n${flowc.stderr.slice(-3000)}`);
    const tag = (await repo.git('tag', '--list', `bld-${SLUG}-*`)).split('\n').filter(Boolean).pop();
    check('the build is committed and tagged', !!tag);
    check('no secret in flowc output', !(flowc.stdout + flowc.stderr).includes(RESTART_TOKEN));

    // Invoke the served flow (hot-loaded by the reload); the host lists its routes on /healthz.
    const health = (await (await fetch(`${host.url}/healthz`)).json()) as { routes?: Array<{ path: string; flow_id: string }> };
    const route = health.routes?.find((r) => r.flow_id === FLOW_ID);
    if (route) {
      const res = await fetch(`${host.url}${route.path}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { input_value: 'hello phoenix', session_id: 'e2e' } }),
      });
      const answer = await res.text();
      check('the served flow answers with the stub model', res.ok && answer.includes(STUB_ANSWER), `${res.status} ${answer.slice(0, 500)}`);
    } else check('the served flow answers with the stub model', false, `the host serves no route for ${FLOW_ID}: ${JSON.stringify(health)}`);

    // Phoenix: poll until the spans are in (the host's batch exporter sends every few seconds).
    let spans: PhoenixSpan[] = [];
    const want = (s: PhoenixSpan[]) => {
      const root = s.find((x) => x.name === 'reconcile' && x.attributes.tenant === SLUG);
      const codegen = s.find((x) => x.name === `codegen.${SLUG}` && x.parent_id === root?.context.span_id);
      const llm = s.find((x) => x.span_kind === 'LLM');
      return root && codegen && llm ? s : undefined;
    };
    try {
      spans = await until('spans in Phoenix', 60_000, async () => want((spans = await spansOf(phoenix.url))));
    } catch {
      // fall through: the checks below say what is missing
    }
    const names = [...new Set(spans.map((s) => `${s.name} (${s.span_kind})`))].join(', ');
    const root = spans.find((s) => s.name === 'reconcile');
    const codegen = spans.filter((s) => s.name === `codegen.${SLUG}`);
    check('Phoenix has the reconcile span with tenant and stack_port', !!root && root.attributes.tenant === SLUG && Number(root.attributes.stack_port) === STACK_PORT, `spans: ${names}; reconcile attrs: ${JSON.stringify(root?.attributes)}`);
    const child = codegen.find((s) => s.parent_id === root?.context.span_id && s.context.trace_id === root?.context.trace_id);
    check(`Phoenix has codegen.${SLUG} as a child of reconcile, in the same trace`, !!child, `spans: ${names}`);
    check(
      `codegen.${SLUG} carries tenant, stack_port, flow.id and flow.input_sha256`,
      !!child && child.attributes.tenant === SLUG && Number(child.attributes.stack_port) === STACK_PORT && child.attributes['flow.id'] === FLOW_ID && /^[0-9a-f]{64}$/.test(String(child.attributes['flow.input_sha256'])),
      JSON.stringify(child?.attributes),
    );
    const llm = spans.find((s) => s.span_kind === 'LLM');
    check('Phoenix has an LLM span from invoking the served flow', !!llm, `spans: ${names}`);
    const chain = spans.find((s) => s.span_kind === 'CHAIN' && s.context.trace_id === llm?.context.trace_id);
    check('the invocation shows up as a CHAIN span around the LLM span', !!chain, `spans: ${names}`);
    const restart = spans.find((s) => s.name === 'langserve.restart');
    const reload = spans.find((s) => s.name === 'langserve.reload');
    check(
      'the host continues the trace: langserve.restart is a child of langserve.reload',
      !!restart && !!reload && restart.parent_id === reload.context.span_id && restart.context.trace_id === root?.context.trace_id,
      `reload: ${JSON.stringify(reload?.context)} restart parent: ${restart?.parent_id}`,
    );
    check('no secret in any span', !JSON.stringify(spans).includes(RESTART_TOKEN));
    console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    check('the end-to-end run completes', false, (err as Error).stack ?? String(err));
  } finally {
    for (const c of cleanups) await Promise.resolve(c()).catch(() => {});
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`phoenix-e2e: ${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
