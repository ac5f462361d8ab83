/**
 * The stat cache (issue 16 #4, the no-drift pass near its floor): a pass over unchanged files reads
 * none of them again, yet any change is seen — also one that keeps the size and puts the old mtime
 * back (ctime moves on every write and cannot be set back). Real repos, real passes.
 */
import test from 'ava';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { runPass } from '../../src/reconcile/pass.js';
import { StatCache } from '../../src/reconcile/statcache.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { fakeFlow, passDeps } from './fakes.js';

const cacheFile = (dir: string) => path.join(dir, '.git', 'flowc', 'statcache.json');
const entries = (dir: string) => Object.keys((JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { entries: object }).entries).sort();
/** Files the cache may trust are older than its racy window. */
const settle = () => new Promise((r) => setTimeout(r, 2100));

/** Rewrites `file` with same-size content and its old mtime: only ctime tells. */
function sneakyEdit(file: string, edit: (s: string) => string): void {
  const before = statSync(file);
  const text = readFileSync(file, 'utf8');
  const after = edit(text);
  if (after.length !== text.length || after === text) throw new Error('the edit must change the text and keep its size');
  writeFileSync(file, after);
  utimesSync(file, before.atime, before.mtime);
}

test('a no-drift pass remembers every flow and output by stat; a same-size edit with the old mtime is still seen', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  r.write('flows/hello.json', fakeFlow('Hello', { temperature: 0.2 }));
  const deps = await passDeps(r.dir);
  t.is((await runPass(deps)).builds.length, 1);
  await settle();
  t.true((await runPass(deps)).ok);
  t.true(entries(r.dir).includes('flow:flows/hello.json'));
  t.true(entries(r.dir).includes('out:app/flows/acme/flow_hello.py'));

  // A hand edit of a generated file, size and mtime kept: rewritten (and backed up) as a hand edit.
  const module = path.join(r.dir, 'app/flows/acme/flow_hello.py');
  const generated = readFileSync(module, 'utf8');
  sneakyEdit(module, (s) => s.replace('NAME = "Hello"', 'NAME = "Hallo"'));
  const repaired = await runPass(deps);
  t.true(repaired.plan.items.some((i) => i.writes.some((w) => w.path === 'app/flows/acme/flow_hello.py' && w.reason === 'hand-edited')), JSON.stringify(repaired.plan.items.map((i) => i.kind)));
  t.is(readFileSync(module, 'utf8'), generated);

  // A flow edited the same way is rebuilt.
  await settle();
  t.true((await runPass(deps)).ok);
  sneakyEdit(path.join(r.dir, 'flows/hello.json'), (s) => s.replace('Hello', 'Hallo'));
  const rebuilt = await runPass(deps);
  t.is(rebuilt.builds.length, 1, 'the changed flow is built again');
});

test('the cache trusts no file changed within its racy window', (t) => {
  const dir = path.join(process.cwd(), '.cache');
  const file = path.join(dir, `statcache-unit-${process.pid}.txt`);
  writeFileSync(file, 'x');
  t.teardown(() => rmSync(file, { force: true }));
  const cache = StatCache.none();
  const fresh = statSync(file);
  cache.set('f', fresh, 'value');
  t.is(cache.get('f', fresh), undefined, 'a file changed just now is read again next time');
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  // ctime moved with utimes: still within the window, still not trusted.
  cache.set('f', statSync(file), 'value');
  t.is(cache.get('f', statSync(file)), undefined);
});

test('a saved cache keeps only the entries its pass looked at', async (t) => {
  const file = path.join(process.cwd(), '.cache', `statcache-save-${process.pid}.json`);
  t.teardown(() => rmSync(file, { force: true }));
  const long = Date.now() - 60_000;
  const stat = (ino: number) => ({ size: 1, ino, mtimeMs: long, ctimeMs: long }) as Stats;
  const first = await StatCache.load(file);
  first.set('a', stat(1), 'A');
  first.set('b', stat(2), 'B');
  await first.save();
  const second = await StatCache.load(file);
  t.is(second.get('a', stat(1)), 'A');
  t.is(second.get('a', stat(9)), undefined, 'another inode is another file');
  await second.save(); // b was not looked at: gone
  const third = await StatCache.load(file);
  t.is(third.get('a', stat(1)), 'A');
  t.is(third.get('b', stat(2)), undefined);
});
