/**
 * readDesired loads nothing it does not need: `prepare` (which loads the compiler) runs once, and
 * only when a flow must be compiled or the host rendered; an intact host whose header carries the
 * input hash it would be rendered with is recognised from its bytes (DESIGN §5 fast path).
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../src/codegen/header.js';
import { GENERATOR_DIGEST } from '../../src/codegen/render.js';
import { compileTenant, tenantInputs } from '../../src/codegen/tenant.js';
import type { GeneratedFile } from '../../src/codegen/types.js';
import { loadConfig } from '../../src/config/load.js';
import { readActual } from '../../src/reconcile/actual.js';
import { compileOptionsKey, readDesired, type DesiredDeps, type Memo } from '../../src/reconcile/desired.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { fakeCompiler, fakeFlow } from './fakes.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  const config = loadConfig(r.dir, {});
  const c = fakeCompiler(GENERATOR_DIGEST);
  const memo: Memo = {};
  for (const name of ['a', 'b']) {
    r.write(`flows/${name}.json`, fakeFlow(name.toUpperCase()));
    const built = c.compileFlow(Buffer.from(r.read(`flows/${name}.json`)), { file: `flows/${name}.json`, slug: 'acme' });
    for (const f of built.files) r.write(f.path, f.content);
    memo[name] = { sourceSha256: built.sourceSha256, generator: GENERATOR_DIGEST, options: compileOptionsKey(config), inputSha256: built.inputSha256, files: built.files.map((f) => f.path).sort() };
  }
  const tenant = compileTenant({ slug: 'acme', outputDir: config.outputDir, graphs: ['a', 'b'] });
  for (const f of tenant) r.write(f.path, f.content);
  const host = tenant[0]!;
  const counts = { prepare: 0, server: 0 };
  const deps = (extra: Partial<DesiredDeps> = {}): DesiredDeps => ({
    compileFlow: c.compileFlow,
    compileTenant: (o) => (counts.server++, compileTenant(o)),
    tenantInputs,
    generatorDigest: GENERATOR_DIGEST,
    prepare: async () => void counts.prepare++,
    memo,
    ...extra,
  });
  c.calls.length = 0;
  return { r, config, c, host, tenant, counts, deps };
}

test('in sync: nothing compiled, the host not rendered, prepare never called', async (t) => {
  const { config, c, tenant, counts, deps } = await setup(t);
  const d = await readDesired(config, await readActual(config), deps());
  t.deepEqual(d.flows.map((f) => f.state), ['fast', 'fast']);
  t.deepEqual(d.tenant, tenant as GeneratedFile[], 'the bytes on disk are what rendering gives');
  t.deepEqual(c.calls, []);
  t.deepEqual(counts, { prepare: 0, server: 0 });
});

test('two flows to compile: prepare runs once, before the first compile', async (t) => {
  const { r, config, counts, deps } = await setup(t);
  r.write('flows/a.json', fakeFlow('A', { temperature: 0.3 }));
  r.write('flows/b.json', fakeFlow('B', { temperature: 0.3 }));
  const order: string[] = [];
  const d = await readDesired(config, await readActual(config), deps({
    prepare: async () => void (counts.prepare++, order.push('prepare')),
    compileFlow: (s, o) => (order.push(o.file), fakeCompiler(GENERATOR_DIGEST).compileFlow(s, o)),
  }));
  t.deepEqual(d.flows.map((f) => f.state), ['built', 'built']);
  t.deepEqual(order, ['prepare', 'flows/a.json', 'flows/b.json']);
  t.deepEqual(counts, { prepare: 1, server: 0 });
});

test('the host is rendered when it is hand-edited, missing, or its inputs changed', async (t) => {
  const { r, config, host, counts, deps } = await setup(t);
  writeFileSync(path.join(r.dir, host.path), `${host.content}# my edit\n`);
  const edited = await readDesired(config, await readActual(config), deps());
  t.is(edited.tenant[0]!.content, host.content, 'the rendered host, not the edited bytes');
  t.deepEqual(counts, { prepare: 1, server: 1 });

  r.write(host.path, host.content);
  const other = await readDesired(config, await readActual(config), deps({ tenantInputs: (o) => tenantInputs(o).map((w) => (w.path === host.path ? { ...w, inputSha256: sha256('templates changed') } : w)) }));
  t.is(other.tenant[0]!.content, host.content);
  t.is(counts.server, 2, 'a different expected input hash renders');

  r.remove(host.path);
  await readDesired(config, await readActual(config), deps());
  t.is(counts.server, 3, 'a missing host renders');
});

test('langgraph.json names the graph of every flow whose module exists, and only those', async (t) => {
  const { r, config, counts, deps } = await setup(t);
  const graphsIn = (d: { tenant: GeneratedFile[] }) => Object.keys((JSON.parse(d.tenant.find((f) => f.path === 'langgraph.json')!.content) as { graphs: object }).graphs);
  r.write('flows/c.json', fakeFlow('C'));
  t.deepEqual(graphsIn(await readDesired(config, await readActual(config), deps())), ['a', 'b', 'c'], 'a new flow is added');
  t.is(counts.server, 1, 'the flow list changed: the tenant files are rendered');
  r.write('flows/c.json', fakeFlow('C', {}, { broken: true }));
  t.deepEqual(graphsIn(await readDesired(config, await readActual(config), deps())), ['a', 'b'], 'a failed flow without a last good module is not named');
  r.write('flows/b.json', fakeFlow('B', {}, { broken: true }));
  t.deepEqual(graphsIn(await readDesired(config, await readActual(config), deps())), ['a', 'b'], 'a failed flow keeps its last good module, so its graph');
  r.remove('flows/b.json');
  t.deepEqual(graphsIn(await readDesired(config, await readActual(config), deps())), ['a'], 'a deleted flow is dropped');
});

test('issue 16: between compiles the event loop runs, so what onCompiled sent a checker goes out while the rest compile', async (t) => {
  const { r, config, deps } = await setup(t);
  r.write('flows/a.json', fakeFlow('A', { temperature: 0.3 }));
  r.write('flows/b.json', fakeFlow('B', { temperature: 0.3 }));
  // A pipe write that does not fit is finished by the event loop (as a setImmediate is run): by
  // the time b compiles, the loop must have run once since a did.
  const seen: string[] = [];
  await readDesired(config, await readActual(config), deps({
    onCompiled: (files) => {
      const flow = files[0]!.path;
      seen.push(`compiled ${flow}`);
      setImmediate(() => seen.push(`loop after ${flow}`));
    },
  }));
  const [a, b] = seen.filter((s) => s.startsWith('compiled')).map((s) => s.slice('compiled '.length));
  t.deepEqual(seen.slice(0, 3), [`compiled ${a}`, `loop after ${a}`, `compiled ${b}`]);
});
