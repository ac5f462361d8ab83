/**
 * compileServer: the host file is generated like every other output (header, stable input hash)
 * and is valid, black-clean Python for any slug / output dir the config allows.
 */
import test from 'ava';
import { compileServer, SERVER_PATH } from '../../src/codegen/server.js';
import { bodyIntact, parseHeader } from '../../src/codegen/header.js';
import { GENERATOR_DIGEST } from '../../src/codegen/render.js';
import { createValidator } from '../../src/python/validate.js';
import { pythonBin } from '../helpers/host.js';

test('header, path and input hash: depends on slug and output dir only', (t) => {
  const a = compileServer({ slug: 'acme' });
  t.is(a.path, SERVER_PATH);
  const parsed = parseHeader(a.content);
  t.truthy(parsed);
  t.is(parsed!.header.source, 'flowc.yaml');
  t.is(parsed!.header.generator, GENERATOR_DIGEST);
  t.true(bodyIntact(parsed!));
  t.is(compileServer({ slug: 'acme', outputDir: 'app/flows/' }).content, a.content);
  t.not(parseHeader(compileServer({ slug: 'other' }).content)!.header.inputSha256, parsed!.header.inputSha256);
  t.not(parseHeader(compileServer({ slug: 'acme', outputDir: 'srv/flows' }).content)!.header.inputSha256, parsed!.header.inputSha256);
  t.regex(a.content, /^    "slug": "acme",$/m);
  t.regex(compileServer({ slug: 'acme', outputDir: 'srv/flows' }).content, /^    "flows_path": "srv\/flows\/acme",$/m);
});

test('compiles and is black-clean, also with a long output dir', async (t) => {
  const validator = createValidator({ python: pythonBin() });
  t.teardown(() => validator.close());
  const files = [
    compileServer({ slug: 'acme' }),
    { ...compileServer({ slug: 'a-very-long-tenant-slug-0123456789', outputDir: 'some/deeply/nested/output/directory/for/flows' }), path: 'long.py' },
  ];
  t.deepEqual(await validator.check(files), [{ path: SERVER_PATH }, { path: 'long.py' }]);
});
