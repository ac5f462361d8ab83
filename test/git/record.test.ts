/**
 * Recording a build (git.ts `commitBuild`, `objectStore`) on a real repo: the paths are taken
 * literally (update-index, not pathspecs), a gone path is removed, and files handed to the object
 * store while a build is written are in git's object database before it is recorded.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { createGit } from '../../src/git/git.js';
import { tenantRepo } from '../helpers/gitrepo.js';

test('a build records exactly its paths, literally: glob-like names are files, a gone path is removed, other files are not swept in', async (t) => {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  r.write('app/old.py', 'old = 1\n');
  await r.git('add', '.');
  await r.git('commit', '-qm', 'old');
  r.remove('app/old.py');
  r.write('app/[ab].py', 'a = 1\n'); // glob characters: a name, not a pattern (app/a.py stays out)
  r.write('app/a.py', 'not = "ours"\n');
  r.write('app/b c.py', 'b = 2\n');
  const git = createGit({ cwd: r.dir });
  const parent = await git.head();
  const rec = await git.commitBuild({ branch: r.branch, parent, paths: ['app/[ab].py', 'app/b c.py', 'app/old.py', 'app/never-there.py'], message: 'codegen: test\n', tag: { name: 'bld-test-1', message: 'build\n' } });
  t.truthy(rec);
  await rec!.inLine;
  const files = (await r.git('ls-tree', '-r', '--name-only', 'HEAD', 'app')).split('\n');
  t.deepEqual(files, ['app/[ab].py', 'app/b c.py']);
  t.is(await r.git('show', 'HEAD:app/[ab].py'), 'a = 1');
  // The user's index follows the build for those paths only: app/a.py is still untracked.
  t.is(await r.git('status', '--porcelain', '--', 'app'), '?? app/a.py');
});

test('the user\'s index is brought in line beside the caller: a lock taken meanwhile fails inLine clearly, and the build stands', async (t) => {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  r.write('app/x.py', 'x = 1\n');
  const git = createGit({ cwd: r.dir });
  const head = await git.head();
  // Take the lock once the refs have moved (beforeRefs runs just before): the reset then fails.
  const lock = `${r.dir}/.git/index.lock`;
  const rec = await git.commitBuild({ branch: r.branch, parent: head, paths: ['app/x.py'], message: 'codegen: test\n', tag: { name: 'bld-test-3', message: 'build\n' }, beforeRefs: () => writeFileSync(lock, '') });
  t.truthy(rec);
  await t.throwsAsync(rec!.inLine, { message: /index is locked/ });
  t.is(await r.git('rev-parse', 'HEAD'), rec!.commit, 'the build is recorded all the same');
});

test('the object store has each file it was handed in the object database once closed; a path it cannot read stops nothing', async (t) => {
  const r = await tenantRepo({ remote: false });
  t.teardown(() => r.cleanup());
  r.write('app/x.py', 'x = "stored early"\n');
  r.write('app/y.py', 'y = "stored early too"\n');
  const git = createGit({ cwd: r.dir });
  const blob = (p: string) => r.git('hash-object', p); // the id only: writes nothing
  const stored = (id: string) => r.git('cat-file', '-e', id).then(() => true, () => false);
  const x = await blob('app/x.py');
  t.false(await stored(x), 'not in the object database before');
  const store = git.objectStore();
  store.add(['app/x.py']);
  await store.close();
  t.true(await stored(x));

  // Best effort: a gone file ends the store's git process; the build still records every file.
  const gone = git.objectStore();
  gone.add(['app/gone.py', 'app/y.py']);
  gone.add(['app/x.py']);
  await gone.close();
  await gone.close(); // closing twice is harmless
  const rec = await git.commitBuild({ branch: r.branch, parent: await git.head(), paths: ['app/x.py', 'app/y.py'], message: 'codegen: test\n', tag: { name: 'bld-test-2', message: 'build\n' } });
  t.truthy(rec);
  t.is(await r.git('show', 'HEAD:app/y.py'), 'y = "stored early too"');
});
