/** The watch-mode watcher (fs.watch, one per folder): events name the file; a deep folder's new sub-folders are watched. */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watchFolders } from '../../src/reconcile/watch.js';

const until = async (what: string, fn: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('events name the file; a sub-folder created in a deep folder is watched; a shallow folder\'s is not; dotfiles are skipped', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'flowc-watch-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'deep'));
  mkdirSync(path.join(root, 'flat'));
  const seen: string[] = [];
  const w = watchFolders((f) => seen.push(path.relative(root, f)), (err) => t.fail(err.message));
  t.teardown(() => w.close());
  t.true(w.add(path.join(root, 'deep'), true));
  t.true(w.add(path.join(root, 'flat'), false));
  t.false(w.add(path.join(root, 'missing'), false), 'a folder that is not there is not watched (yet)');

  writeFileSync(path.join(root, 'flat', 'a.json'), '{}');
  await until('flat/a.json', () => seen.includes('flat/a.json'));
  mkdirSync(path.join(root, 'deep', 'components', 'x'), { recursive: true });
  await until('deep/components', () => seen.includes('deep/components'));
  // The new sub-folders are watched from the event that named them on.
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(path.join(root, 'deep', 'components', 'x', 'c.py'), 'x = 1\n');
  await until('deep/components/x/c.py', () => seen.includes('deep/components/x/c.py'));
  mkdirSync(path.join(root, 'flat', 'sub'));
  writeFileSync(path.join(root, 'flat', 'sub', 'b.py'), 'x = 1\n');
  writeFileSync(path.join(root, 'flat', '.tmp-123'), '');
  writeFileSync(path.join(root, 'flat', 'z.json'), '{}');
  await until('flat/z.json', () => seen.includes('flat/z.json'));
  t.false(seen.includes('flat/sub/b.py'), 'a shallow folder\'s sub-folders are not watched');
  t.false(seen.some((s) => s.includes('.tmp-')), 'dotfiles are skipped');
  // A folder that appears later is watched once added.
  mkdirSync(path.join(root, 'missing'));
  t.true(w.add(path.join(root, 'missing'), false));
  writeFileSync(path.join(root, 'missing', 'm.json'), '{}');
  await until('missing/m.json', () => seen.includes('missing/m.json'));
});
