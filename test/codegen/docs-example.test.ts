/**
 * The generated example in docs/compiler.md is the real output for
 * test/fixtures/flows/memory_chat.json, whole (the runtime it imports is its own module). UPDATE_GOLDEN=1
 * rewrites it.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { supportedTypes } from '../../src/codegen/nodes/index.js';
import { repoRoot } from '../helpers/python.js';

const DOC = join(repoRoot, 'docs', 'compiler.md');
const START = '<!-- example:start -->';
const END = '<!-- example:end -->';

function example(): string {
  const source = readFileSync(join(repoRoot, 'test', 'fixtures', 'flows', 'memory_chat.json'));
  const { files } = compileFlow(source, { file: 'flows/memory_chat.json', slug: 'acme', outputDir: '.', testsDir: 'acme' });
  const text = files.find((f) => f.path.endsWith('/flow_memory_chat.py'))!.content;
  // Hashes change with any template (other engineers' too): shown as <sha256>.
  const masked = text.replace(/=[0-9a-f]{64}/g, '=<sha256>');
  return `${START}\n\`\`\`python\n${masked}\`\`\`\n${END}`;
}

test('docs/compiler.md shows the current generated example', (t) => {
  const doc = readFileSync(DOC, 'utf8');
  const block = doc.slice(doc.indexOf(START), doc.indexOf(END) + END.length);
  const expected = example();
  if (process.env.UPDATE_GOLDEN && block !== expected) {
    writeFileSync(DOC, doc.replace(block, expected));
    t.pass();
    return;
  }
  t.is(block, expected, 'run UPDATE_GOLDEN=1 npx ava test/codegen/docs-example.test.ts');
});

test("the README's list of supported components names every generator", (t) => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const listed = /<!-- generators:start -->(.*)<!-- generators:end -->/.exec(readme)?.[1];
  t.is(listed, supportedTypes().join(', '), 'README.md: the generators row lists src/codegen/nodes/index.ts');
});
