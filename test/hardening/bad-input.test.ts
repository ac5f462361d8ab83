/**
 * Issue 9 (3): the bad-input corpus (test/fixtures/bad/, cases.json = expected error per file) plus
 * cases made here (50 MB, 200,000-deep nesting, symlinks out of the repo, a FIFO, a directory,
 * non-.json files, ids colliding after sanitising, a BOM), all in one tenant repo beside good flows,
 * through one `flowc reconcile --once` (validate: compile, so accepted hostile input is proven to
 * compile). Each bad one fails with its clear error; the good ones build; no flow file is lost or
 * changed; nothing is written outside the repo; no secret value reaches a commit or the output.
 * And a flowc.yaml with bad values: exit 2, every key named, nothing done.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keys } from '../guard/keys.js';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from '../cli/flowc.js';

const corpus = path.join(repoRoot, 'test/fixtures/bad');
type Case = { error?: string; built?: boolean };
const cases = JSON.parse(readFileSync(path.join(corpus, 'cases.json'), 'utf8')) as Record<string, Case>;
delete cases._;

/** Every file under `dir`, relative, with its size (the outside-the-repo witness). */
const listing = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => !f.split(path.sep).includes('.git')).sort();
/** Beside the work tree: the link target's dir and the bare remote (pushes land there: not counted). */
const besideRepo = (base: string) => listing(base).filter((f) => !/^(work|remote\.git)(\/|$)/.test(f));

test('bad-input corpus: each bad flow fails with its error, the others build, nothing lost or leaked', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  const base = path.dirname(r.dir);
  const outside = path.join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'target.json'), chatFlow({ prompt: 'Outside the repo.' }));
  const key = keys.openai();
  const expect = new Map<string, Case>();
  const put = (file: string, content: string | Buffer, c: Case) => {
    r.write(`flows/${file}`, content);
    expect.set(file, c);
  };

  t.true(Object.keys(cases).length >= 40, `${Object.keys(cases).length} corpus cases`);
  // @@KEY_ESCAPED@@: the same key spelled as JSON \uXXXX escapes (the guard reads strings decoded).
  const escaped = [...key].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  for (const [file, c] of Object.entries(cases)) put(file, Buffer.from(readFileSync(path.join(corpus, file), 'latin1').replaceAll('@@KEY_ESCAPED@@', escaped).replaceAll('@@KEY@@', key), 'latin1'), c);
  // Latin-1 round trip keeps the bytes of the binary cases (UTF-16, invalid UTF-8) as they are.
  t.deepEqual(readFileSync(path.join(r.dir, 'flows/invalid-utf8.json')), readFileSync(path.join(corpus, 'invalid-utf8.json')));

  // Made here rather than committed.
  const huge = chatFlow({ prompt: 'x'.repeat(50 * 1024 * 1024) });
  put('huge-50mb.json', huge, { error: 'flows/huge-50mb.json: is 50\\.0 MB, more than the 20 MB flowc compiles' });
  put('deeply-nested-200k.json', `{"data":{"nodes":${'['.repeat(200_000)}${']'.repeat(200_000)},"edges":[]}}`, { error: 'flows/deeply-nested-200k.json: ' });
  put('bom.json', `\ufeff${chatFlow({ prompt: 'With a BOM.' })}`, { built: true });
  put('good.json', chatFlow({ prompt: 'Good.' }), { built: true });
  put('My-Flow.json', chatFlow({ prompt: 'Mine.' }), { error: 'same Python module \\(my_flow\\) as flows/my_flow.json' });
  put('my_flow.json', chatFlow({ prompt: 'Yours.' }), { error: 'same Python module \\(my_flow\\) as flows/My-Flow.json' });
  symlinkSync(path.join(outside, 'target.json'), path.join(r.dir, 'flows/link-outside.json'));
  expect.set('link-outside.json', { error: 'flows/link-outside.json: is a symbolic link' });
  symlinkSync('/etc/passwd', path.join(r.dir, 'flows/passwd.json'));
  expect.set('passwd.json', { error: 'flows/passwd.json: is a symbolic link' });
  execFileSync('mkfifo', [path.join(r.dir, 'flows/fifo.json')]); // a read would block for ever
  expect.set('fifo.json', { error: 'flows/fifo.json: is not a regular file' });
  mkdirSync(path.join(r.dir, 'flows/dir.json'));
  expect.set('dir.json', { error: 'flows/dir.json: is not a regular file' });
  // Not flows: ignored, left alone, never committed.
  const ignored = ['README.md', 'upper.JSON', 'flow.json.bak', 'sub/nested.json', '.hidden.json'];
  for (const f of ignored) r.write(`flows/${f}`, chatFlow({ prompt: f }));
  const before = new Map(readdirSync(path.join(r.dir, 'flows'), { recursive: true }).map(String).filter((f) => lstatSync(path.join(r.dir, 'flows', f)).isFile()).map((f) => [f, readFileSync(path.join(r.dir, 'flows', f))]));
  const outsideBefore = besideRepo(base);

  const res = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json'], { env: { FLOWC_VALIDATE: 'compile' } });
  t.is(res.code, 1, res.stderr);
  const report = JSON.parse(res.stdout) as { builds: Array<{ flows: string[] }>; failed: Array<{ flowId: string | null; source: string; reason: string }> };
  const built = new Set(report.builds.flatMap((b) => b.flows));
  const failed = new Map(report.failed.map((f) => [f.source, f.reason]));

  for (const [file, c] of expect) {
    const id = file.slice(0, -'.json'.length);
    if (c.built) {
      t.true(built.has(id), `${file} should build: ${failed.get(`flows/${file}`) ?? 'not in any build'}`);
      t.truthy(await r.git('ls-tree', 'HEAD', `app/flows/acme/flow_${id.toLowerCase().replace(/[^a-z0-9_]/g, '_')}.py`), `${file}: outputs committed`);
    } else {
      const reason = failed.get(`flows/${file}`);
      t.regex(reason ?? `(no error for ${file})`, new RegExp(c.error!), file);
      t.false(built.has(id), `${file} must not build`);
      t.true((reason ?? '').length < 2000, `${file}: the error is short enough to read`);
    }
  }
  // Ignored files: not built, not failed.
  for (const f of ignored) t.false([...failed.keys()].some((s) => s.endsWith(f)), f);

  // Nothing lost: every file in flows/ is still there, byte for byte; the failed ones uncommitted, the built ones committed.
  for (const [f, bytes] of before) t.true(readFileSync(path.join(r.dir, "flows", f)).equals(bytes), `flows/${f} changed`);
  t.is(lstatSync(path.join(r.dir, 'flows/link-outside.json')).isSymbolicLink(), true);
  const committed = new Set((await r.git('ls-tree', '-r', '--name-only', 'HEAD', 'flows/')).split('\n'));
  for (const [file, c] of expect) t.is(committed.has(`flows/${file}`), !!c.built, `flows/${file} committed?`);
  for (const f of ignored) t.false(committed.has(`flows/${f}`), f);

  // Nothing written outside the repo; the link target untouched.
  t.deepEqual(besideRepo(base), outsideBefore);
  t.is(readFileSync(path.join(outside, 'target.json'), 'utf8'), chatFlow({ prompt: 'Outside the repo.' }));

  // The key appears in no commit, tag, generated file, message, status or state (issue 14: 0 secret values).
  t.false((await r.git('log', '-p', '--all')).includes(key), 'a secret reached git');
  t.false((await r.git('for-each-ref', 'refs/tags', '--format=%(contents)')).includes(key), 'a secret reached a tag message');
  const status = await flowc(['--repo', r.dir, 'status', '--json']);
  t.is(status.code, 0, status.stderr);
  t.false(status.stdout.includes(key) || status.stderr.includes(key), 'a secret reached status');
  t.false(readFileSync(path.join(r.dir, '.git', 'flowc', 'state.json'), 'utf8').includes(key), 'a secret reached state.json');
  t.false(escaped.length > 0 && (res.stdout + status.stdout).includes(escaped), 'the escaped spelling neither');
  t.false(res.stdout.includes(key) || res.stderr.includes(key), 'a secret reached the output');
  t.false(readdirSync(path.join(r.dir, 'app/flows/acme')).some((f) => readFileSync(path.join(r.dir, 'app/flows/acme', f), 'utf8').includes(key)));

  // A second pass changes nothing (the failures are terminal until the files change).
  const again = await flowc(['--repo', r.dir, 'reconcile', '--once', '--json'], { env: { FLOWC_VALIDATE: 'compile' } });
  t.is(JSON.parse(again.stdout).builds.length, 0);
  t.false(huge.length < 50 * 1024 * 1024);
});

test('a flowc.yaml with bad values: exit 2, every bad key named, nothing done', async (t) => {
  const r = await tenantRepo({ config: 'debounce_ms: soon\nvalidate: always\nsecrets: keep\nwebhook:\n  listen: 12\nbranch: 42\nbogus_key: 1\n' });
  t.teardown(() => r.cleanup());
  r.write('flows/good.json', chatFlow());
  const head = await r.git('rev-parse', 'HEAD');
  for (const args of [['reconcile', '--once'], ['reconcile', '--check'], ['status']]) {
    const res = await flowc(['--repo', r.dir, ...args], { env: { FLOWC_VALIDATE: undefined } });
    t.is(res.code, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
    for (const k of ['debounce_ms', 'validate', 'secrets', 'bogus_key']) t.regex(res.stderr, new RegExp(k), `${args.join(' ')}: ${k} not named`);
  }
  t.is(await r.git('rev-parse', 'HEAD'), head);
  t.false(r.exists('app'));
});
