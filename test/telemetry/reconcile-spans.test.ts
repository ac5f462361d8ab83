/**
 * The real CLI, the real reconciler: `flowc reconcile --once` on a tenant repo with a new flow,
 * a bare remote and a LangServe host stand-in, tracing to a loopback OTLP receiver. Checks the
 * DESIGN §6 trace as the reconciler emits it, the traceparent the host receives, and — with no
 * collector configured, or one that never answers — that tracing costs the build nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { logLines, repoRoot, runNode } from './child.js';
import { startReceiver, type DecodedSpan } from './otlp-receiver.js';

// The project's own flow (not ../shared's corpus), so these tests always run.
const fixture = path.join(repoRoot, 'test/fixtures/reconcile/chat.json');
const TOKEN = 'planted-restart-token-9f8e7d';
const bin = path.join(repoRoot, 'bin/flowc.js');

/** Answers POST /restart like the generated host and records the traceparent it was sent. */
async function fakeHost(): Promise<{ url: string; traceparents: string[]; close: () => Promise<void> }> {
  const traceparents: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      traceparents.push(String(req.headers.traceparent ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ generation: traceparents.length, routes: [], commit: null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    traceparents,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function repoWithNewFlow(t: { teardown(fn: () => unknown): void }, config: string, stackPort = 'stack_port: 4101\n'): Promise<TenantRepo> {
  const repo = await tenantRepo({ slug: 'acme', config: `${stackPort}validate: none\n${config}` });
  t.teardown(() => repo.cleanup());
  repo.write('flows/hello-chat.json', await readFile(fixture));
  return repo;
}

const once = (repo: TenantRepo, env: Record<string, string> = {}, probe = false) =>
  runNode([bin, 'reconcile', '--once'], { LANGSERVE_RESTART_TOKEN: TOKEN, ...env }, { cwd: repo.dir, probe });

test('reconcile → codegen.<slug> → git.commit, git.push, langserve.reload; the host gets the reload span as parent', async (t) => {
  const receiver = await startReceiver();
  const host = await fakeHost();
  t.teardown(() => Promise.all([receiver.close(), host.close()]));
  const repo = await repoWithNewFlow(t, `langserve:\n  url: ${host.url}\ntelemetry:\n  phoenix: ${receiver.url}\n  project_name: acme-traces\n`);

  const r = await once(repo);
  t.is(r.code, 0, r.stderr);
  const tag = (await repo.git('tag', '--list', 'bld-acme-*')).trim();
  t.truthy(tag, 'the flow was built');

  const spans = await receiver.until((s) => s.some((x) => x.name === 'reconcile'));
  const names = spans.map((s) => s.name);
  const one = (name: string): DecodedSpan => {
    const found = spans.filter((s) => s.name === name);
    t.is(found.length, 1, `one ${name} span (got ${names.join(', ')})`);
    return found[0]!;
  };
  const root = one('reconcile');
  const codegen = one('codegen.acme');
  const commit = one('git.commit');
  const pushed = one('git.push');
  const reload = one('langserve.reload');

  t.is(root.parentSpanId, '');
  t.is(codegen.parentSpanId, root.spanId, 'codegen.<slug> is a child of reconcile');
  for (const s of [commit, pushed, reload]) t.is(s.parentSpanId, codegen.spanId, `${s.name} is a child of codegen.acme`);
  t.true(spans.every((s) => s.traceId === root.traceId));

  t.like(root.attributes, { tenant: 'acme', stack_port: 4101, 'openinference.span.kind': 'CHAIN' });
  t.like(codegen.attributes, { tenant: 'acme', stack_port: 4101, 'flow.id': 'hello-chat', 'build.tag': tag });
  t.regex(String(codegen.attributes['flow.input_sha256']), /^[0-9a-f]{64}$/);
  t.is(commit.attributes['build.tag'], tag);
  t.like(root.resource, { 'service.name': 'flowc', 'openinference.project.name': 'acme-traces' });
  t.true(spans.every((s) => typeof s.attributes['openinference.span.kind'] === 'string'));

  t.deepEqual(host.traceparents, [`00-${reload.traceId}-${reload.spanId}-01`], 'the host continues the trace under langserve.reload');
  t.false(JSON.stringify(spans).includes(TOKEN) || r.stderr.includes(TOKEN) || r.stdout.includes(TOKEN), 'no secret in spans or output');
});

test('no collector configured: reconcile --once builds without loading any OpenTelemetry module', async (t) => {
  const repo = await repoWithNewFlow(t, '');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowc-probe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const probeFile = path.join(dir, 'loaded.txt');

  const r = await once(repo, { OTEL_PROBE_FILE: probeFile }, true);
  t.is(r.code, 0, r.stderr);
  t.truthy((await repo.git('tag', '--list', 'bld-acme-*')).trim(), 'the flow was built');
  const loaded = await readFile(probeFile, 'utf8').catch(() => '');
  t.is(loaded, '', 'no @opentelemetry module loaded');
});

test('a collector that never answers: reconcile --once still builds, pushes and exits 0', async (t) => {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const hole = net.createServer((s) => (connections++, sockets.add(s), s.on('error', () => {})));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), hole.close(() => r()))));
  const url = `http://127.0.0.1:${(hole.address() as net.AddressInfo).port}`;
  const repo = await repoWithNewFlow(t, `telemetry:\n  phoenix: ${url}\n`);

  const r = await once(repo, { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '500' });
  t.is(r.code, 0, r.stderr);
  const tag = (await repo.git('tag', '--list', 'bld-acme-*')).trim();
  t.truthy(tag);
  t.truthy(await repo.git('ls-remote', '--tags', 'origin', tag), 'the build was pushed');
  t.true(connections >= 1, 'the export reached the silent collector');
  t.true(logLines(r.stderr).some((l) => l.level === 'warn' && /timed out/i.test(String(l.err))), 'the export gave up by its timeout');
});

test('watch mode: the "build committed" line carries flowId, buildTag and the trace id of its pass; SIGTERM flushes', async (t) => {
  const flow = await readFile(fixture);
  const receiver = await startReceiver();
  t.teardown(receiver.close);
  const repo = await tenantRepo({ slug: 'acme', config: `stack_port: 4101\nvalidate: none\ndebounce_ms: 50\ntelemetry:\n  phoenix: ${receiver.url}\n` });
  t.teardown(() => repo.cleanup());

  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const child = spawn(process.execPath, [bin, 'reconcile', '--no-listen'], {
    cwd: repo.dir,
    env: { ...env, FLOWC_LOG_FORMAT: 'json', LANGSERVE_RESTART_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  t.teardown(() => void child.kill('SIGKILL'));
  let stderr = '';
  const committed = new Promise<Record<string, unknown>>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      const line = logLines(stderr).find((l) => l.msg === 'build committed');
      if (line) resolve(line);
      else if (/"msg":"reconciler started"/.test(stderr) && !repo.exists('flows/hello-chat.json')) repo.write('flows/hello-chat.json', flow);
    });
  });
  const line = await Promise.race([committed, exited.then((e) => Promise.reject(new Error(`flowc exited ${JSON.stringify(e)}:\n${stderr}`)))]);
  child.kill('SIGTERM');
  const end = await exited;
  t.is(end.code, 0, stderr);

  const spans = await receiver.until((s) => s.some((x) => x.name === 'codegen.acme'));
  const codegen = spans.find((s) => s.name === 'codegen.acme')!;
  t.like(line, { level: 'info', flowId: 'hello-chat', traceId: codegen.traceId });
  t.regex(String(line.buildTag), /^bld-acme-/);
  t.is(codegen.attributes['build.tag'], String(line.buildTag));
  t.false(stderr.includes(TOKEN));
});

test('issue 14 #17: git spans nest under the flow built, not a failed one that sorts first; a failing pass is an ERROR on its reconcile span', async (t) => {
  const receiver = await startReceiver();
  const host = await fakeHost();
  t.teardown(() => Promise.all([receiver.close(), host.close()]));
  const repo = await repoWithNewFlow(t, `langserve:\n  url: ${host.url}\ntelemetry:\n  phoenix: ${receiver.url}\n`);
  // Sorts before hello-chat, and fails: a node with no generator and no source.
  repo.write('flows/a-broken.json', JSON.stringify({ name: 'broken', data: { nodes: [{ id: 'Frob-1', type: 'genericNode', data: { id: 'Frob-1', type: 'Frobnicator', node: { template: {}, outputs: [] } } }], edges: [] } }));
  const r = await once(repo);
  t.is(r.code, 1, 'a flow failed');
  const spans = await receiver.until((s) => s.some((x) => x.name === 'reconcile'));
  const root = spans.find((s) => s.name === 'reconcile')!;
  const codegens = spans.filter((s) => s.name === 'codegen.acme');
  const built = codegens.find((s) => s.attributes['flow.id'] === 'hello-chat')!;
  const failed = codegens.find((s) => s.attributes['flow.id'] === 'a-broken')!;
  t.truthy(built && failed, JSON.stringify(codegens.map((s) => s.attributes['flow.id'])));
  const commit = spans.find((s) => s.name === 'git.commit')!;
  t.is(commit.parentSpanId, built.spanId, 'the commit belongs to the flow it built');
  t.is(failed.status.code, 2, 'the failed flow is an error');
  t.is(root.status.code, 2, 'so is the pass');
});

test('issue 14 #17: tracing a tenant that has no stack_port warns once, naming the key; with one, no warning', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const warned = (stderr: string) => logLines(stderr).filter((l) => l.event === 'telemetry.no_stack_port');
  const without = await repoWithNewFlow(t, `telemetry:\n  phoenix: ${receiver.url}\n`, '');
  const r = await once(without);
  t.is(r.code, 0, r.stderr);
  t.is(warned(r.stderr).length, 1, r.stderr);
  t.regex(String(warned(r.stderr)[0]!.msg), /set stack_port in flowc\.yaml \(or FLOWC_STACK_PORT\)/);
  const withPort = await repoWithNewFlow(t, `telemetry:\n  phoenix: ${receiver.url}\n`);
  const ok = await once(withPort);
  t.is(ok.code, 0, ok.stderr);
  t.is(warned(ok.stderr).length, 0, ok.stderr);
});
