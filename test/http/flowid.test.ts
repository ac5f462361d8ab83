/**
 * Acceptance 2: traversal and odd flow ids are refused with 400 and nothing is written anywhere
 * (the test lists the whole temp tree, not only flows/).
 */
import test from 'ava';
import fc from 'fast-check';
import { checkFlowId } from '../../src/http/flowid.js';
import { deliver, miniFlow, startTestServer, type TestServer } from './helpers.js';

const apiKey = 'test-api-key-0123';
let server: TestServer;
test.before(async () => {
  server = await startTestServer({ auth: { apiKey } });
});
test.after.always(() => server?.cleanup());

const odd: Array<[string, unknown]> = [
  ['parent traversal', '../x'],
  ['deep traversal', '../../../../tmp/pwned'],
  ['absolute path', '/etc/passwd'],
  ['separator', 'a/b'],
  ['backslash', 'a\\b'],
  ['NUL', 'a\u0000b'],
  ['newline', 'a\nb'],
  ['10 KB id', 'a'.repeat(10 * 1024)],
  ['129 chars', 'a'.repeat(129)],
  ['Cyrillic look-alike', 'flоw'], // о is U+043E
  ['fullwidth letters', 'ｆｌｏｗ'],
  ['ligature', 'ﬂow'],
  ['zero-width joiner', 'fl\u200dow'],
  ['right-to-left override', 'abc\u202Egpj'],
  ['dot', '.'],
  ['dot-dot', '..'],
  ['hidden file', '.env'],
  ['trailing dot', 'flow.'],
  ['embedded dot-dot', 'a..b'],
  ['space', 'my flow'],
  ['URL-encoded traversal', '%2e%2e%2fx'],
  ['empty', ''],
  ['number', 42],
  ['object', { id: 'x' }],
];

test.serial('odd ids in a bare export are refused with 400; nothing is written anywhere', async (t) => {
  const before = server.tree();
  for (const [name, id] of odd) {
    const res = await deliver(server.url, JSON.stringify(miniFlow(id as string)), { 'x-api-key': apiKey });
    t.is(res.status, 400, name);
    // The reply never echoes the (possibly huge or hostile) id.
    if (typeof id === 'string' && id.length > 2) t.false(res.body.includes(id), name);
  }
  t.deepEqual(server.tree(), before);
  t.deepEqual(server.pokes, []);
});

test.serial('odd ids given as the wrapper flowId are refused the same way', async (t) => {
  const before = server.tree();
  for (const [name, id] of odd) {
    const res = await deliver(server.url, JSON.stringify({ flowId: id, flow: miniFlow('fine') }), { 'x-api-key': apiKey });
    t.is(res.status, 400, name);
  }
  t.deepEqual(server.tree(), before);
});

test.serial('plain ids are accepted and land exactly at flows/<id>.json', async (t) => {
  for (const id of ['c1cb7b3c-2589-4754-ac61-8cf88df4a07e', 'basic_prompting', 'v1.2', 'A'.repeat(128)]) {
    const res = await deliver(server.url, JSON.stringify(miniFlow(id)), { 'x-api-key': apiKey });
    t.is(res.status, 202, id);
    t.true(server.tree().includes(`tenant/flows/${id}.json`), id);
  }
});

test.serial('an id that would compile to an existing flow’s module is refused with 409', async (t) => {
  t.is((await deliver(server.url, JSON.stringify(miniFlow('my-flow')), { 'x-api-key': apiKey })).status, 202);
  const before = server.tree();
  for (const clash of ['my_flow', 'My-Flow', 'my.flow']) {
    const res = await deliver(server.url, JSON.stringify(miniFlow(clash)), { 'x-api-key': apiKey });
    t.is(res.status, 409, clash);
  }
  t.deepEqual(server.tree(), before);
});

test('property: any string either passes the id rule and is a plain file name, or is refused', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('..', '.', '/', '\\', '\u0000')), (id) => {
      const problem = checkFlowId(id);
      if (problem !== undefined) return true;
      return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) && !id.includes('..') && !id.includes('/') && !id.includes('\\');
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('issue 14 #10: a flow file that is a FIFO or a directory gets a 409 that says so at once (no hang, no endless retry)', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  execFileSync('mkfifo', [join(server.flowsDir, 'piped.json')]);
  mkdirSync(join(server.flowsDir, 'folder.json'));
  for (const [id, what] of [['piped', /a FIFO, socket or device/], ['folder', /a directory/]] as const) {
    const res = await deliver(server.url, JSON.stringify(miniFlow(id)), { 'x-api-key': apiKey });
    t.is(res.status, 409, id);
    t.regex(JSON.stringify(res.body), what);
    t.regex(JSON.stringify(res.body), new RegExp(`flows/${id}\\.json is not a regular file.*remove it`));
  }
});

test('issue 14 #8: concurrent deliveries of ids that share a module: exactly one is stored, the others get 409', async (t) => {
  const ids = ['race-a', 'race_a', 'Race-A', 'RACE_a'];
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => ids[i % ids.length]!).map((id) => deliver(server.url, JSON.stringify(miniFlow(id)), { 'x-api-key': apiKey }).then((r) => [id, r.status] as const)),
  );
  const stored = new Set(replies.filter(([, status]) => status === 202).map(([id]) => id));
  t.is(stored.size, 1, JSON.stringify(replies));
  t.true(replies.every(([id, status]) => (stored.has(id) ? status === 202 : status === 409)), JSON.stringify(replies));
  const { readdirSync } = await import('node:fs');
  t.is(readdirSync(server.flowsDir).filter((f) => /^race[-_]a\.json$/i.test(f)).length, 1);
});

test('issue 14 #11: a flow id shaped like a key is refused without being echoed, and nothing is stored', async (t) => {
  const key = `sk-proj-${'Ab12Cd34Ef'.repeat(4)}`;
  const res = await deliver(server.url, JSON.stringify(miniFlow(key)), { 'x-api-key': apiKey });
  t.is(res.status, 400);
  t.regex(JSON.stringify(res.body), /looks like a secret key \(not shown\)/);
  t.false(JSON.stringify(res.body).includes(key.slice(8)));
  t.false(server.tree().some((p) => p.includes(key.slice(8))), 'no file named by it');
});
