import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('every YAML file under manifests/ parses without error or warning', (t) => {
  const files = readdirSync(path.join(root, 'manifests'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
  t.true(files.length >= 8, `found ${files.length}`);
  for (const f of files) {
    const docs = parseAllDocuments(readFileSync(f, 'utf8'), { uniqueKeys: true });
    t.true(Array.isArray(docs), f);
    for (const d of docs as ReturnType<typeof parseAllDocuments> & unknown[]) {
      t.deepEqual(d.errors.map((e) => e.message), [], path.relative(root, f));
      t.deepEqual(d.warnings.map((e) => e.message), [], path.relative(root, f));
    }
  }
  t.throws(() => {
    const [d] = parseAllDocuments('a: 1\na: 2\n', { uniqueKeys: true }) as any[];
    if (d.errors.length) throw d.errors[0];
  });
});
