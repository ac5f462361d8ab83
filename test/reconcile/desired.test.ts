/** readDesired: the fast path (no parse for an untouched flow) and a file changing under the compiler. */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../src/codegen/header.js';
import { loadConfig } from '../../src/config/load.js';
import { readActual } from '../../src/reconcile/actual.js';
import { compileOptionsKey, readDesired, type Memo } from '../../src/reconcile/desired.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { fakeCompiler, fakeFlow } from './fakes.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  const config = loadConfig(r.dir, {});
  const gen = sha256('gen');
  const c = fakeCompiler(gen);
  r.write('flows/a.json', fakeFlow('A'));
  const built = c.compileFlow(Buffer.from(r.read('flows/a.json')), { file: 'flows/a.json', slug: 'acme' });
  for (const f of built.files) r.write(f.path, f.content);
  const memo: Memo = { a: { sourceSha256: built.sourceSha256, generator: gen, options: compileOptionsKey(config), inputSha256: built.inputSha256, files: built.files.map((f) => f.path).sort() } };
  return { r, config, gen, c, memo };
}

test('an untouched flow is recognised without compiling; a changed one, a new generator or no memo compiles', async (t) => {
  const { r, config, gen, c, memo } = await setup(t);
  const actual = await readActual(config);
  c.calls.length = 0;
  const fast = await readDesired(config, actual, { compileFlow: c.compileFlow, generatorDigest: gen, memo });
  t.is(fast.flows[0]!.state, 'fast');
  t.deepEqual(c.calls, []);
  t.is((await readDesired(config, actual, { compileFlow: c.compileFlow, generatorDigest: sha256('other'), memo })).flows[0]!.state, 'built');
  t.is((await readDesired(config, actual, { compileFlow: c.compileFlow, generatorDigest: gen, memo: {} })).flows[0]!.state, 'built');
  // Layout-only edit: the headers' source hash is stale, the memo learns the new bytes after one compile.
  r.write('flows/a.json', fakeFlow('A', {}, { position: { x: 5, y: 5 } }));
  const moved = await readDesired(config, await readActual(config), { compileFlow: c.compileFlow, generatorDigest: gen, memo });
  t.is(moved.flows[0]!.state, 'built');
  const learnt: Memo = { a: { ...memo.a!, sourceSha256: sha256(r.read('flows/a.json')) } };
  t.is((await readDesired(config, await readActual(config), { compileFlow: c.compileFlow, generatorDigest: gen, memo: learnt })).flows[0]!.state, 'fast');
  // An output deleted by hand defeats the fast path.
  r.remove('app/flows/acme/runner_a.py');
  t.is((await readDesired(config, await readActual(config), { compileFlow: c.compileFlow, generatorDigest: gen, memo: learnt })).flows[0]!.state, 'built');
});

test('a file that changes while it is compiled is settling, not failed', async (t) => {
  const { r, config, gen } = await setup(t);
  r.write('flows/b.json', '{"name": "B", "par'); // half written
  const compileFlow = (source: Uint8Array, o: { file: string }) => {
    if (o.file === 'flows/b.json') {
      writeFileSync(path.join(r.dir, 'flows/b.json'), fakeFlow('B')); // the writer finishes meanwhile
      throw new Error('Unexpected end of JSON input');
    }
    return fakeCompiler(gen).compileFlow(source, o as never);
  };
  const d = await readDesired(config, await readActual(config), { compileFlow, generatorDigest: gen });
  t.is(d.flows.find((f) => f.id === 'b')!.state, 'settling');
  const still = await readDesired(config, await readActual(config), { compileFlow: () => { throw new Error('bad'); }, generatorDigest: gen });
  t.deepEqual(still.flows.map((f) => f.state), ['failed', 'failed'], 'an unchanged file that fails is failed');
  const waiting = await readDesired(config, await readActual(config), { compileFlow, generatorDigest: gen, settling: new Set(['flows/b.json']) });
  t.is(waiting.flows.find((f) => f.id === 'b')!.state, 'settling');
});

test('issue 14 #3: flows/slash.json and flows/dir\\slash.json would write the same outputs: both fail, naming each other', async (t) => {
  const { r, config, gen, c } = await setup(t);
  r.write('flows/slash.json', fakeFlow('S'));
  r.write('flows/dir\\slash.json', fakeFlow('T'));
  const d = await readDesired(config, await readActual(config), { compileFlow: c.compileFlow, generatorDigest: gen });
  const byFile = new Map(d.flows.map((f) => [f.file, f]));
  for (const [file, other] of [['flows/slash.json', 'flows/dir\\slash.json'], ['flows/dir\\slash.json', 'flows/slash.json']] as const) {
    const f = byFile.get(file)!;
    t.is(f.state, 'failed', file);
    if (f.state === 'failed') t.regex(f.error.message, new RegExp(`same Python module \\(slash\\) as ${other.replace(/\\/g, '\\\\').replace('.', '\\.')}`));
  }
  t.is(byFile.get('flows/a.json')!.state, 'built', 'the other flows still build');
});

test('issue 14 #15: two flows with one endpoint_name: the one built now fails naming the other; both built now both fail', async (t) => {
  const { r, config, gen } = await setup(t);
  const { compileFlow } = await import('../../src/codegen/compile.js');
  const { basicChat } = await import('../codegen/flowkit.js');
  const chat = (name: string) => JSON.stringify({ ...(basicChat({ name }) as object), endpoint_name: 'support' });
  r.write('flows/a.json', chat('A'));
  const first = await readDesired(config, await readActual(config), { compileFlow, generatorDigest: gen });
  const a = first.flows.find((f) => f.file === 'flows/a.json')!;
  t.is(a.state, 'built');
  if (a.state === 'built') for (const f of a.files) r.write(f.path, f.content);
  // b arrives later with the same endpoint: a keeps serving it, b fails naming a.
  r.write('flows/b.json', chat('B'));
  const second = await readDesired(config, await readActual(config), { compileFlow, generatorDigest: gen });
  const b = second.flows.find((f) => f.file === 'flows/b.json')!;
  t.is(b.state, 'failed');
  if (b.state === 'failed') t.regex(b.error.message, /^flows\/b\.json: its endpoint \/support is already served by flows\/a\.json$/);
  // Both changed in one pass: both fail.
  r.write('flows/a.json', chat('A2'));
  const third = await readDesired(config, await readActual(config), { compileFlow, generatorDigest: gen });
  t.deepEqual(third.flows.map((f) => [f.file, f.state]), [['flows/a.json', 'failed'], ['flows/b.json', 'failed']]);
});
