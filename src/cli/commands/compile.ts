/**
 * `flowc compile <flow.json> [--out DIR] [--slug S] [--json]`: compiles one flow and writes its
 * module, runner, smoke test, the tenant runtime and the smoke tests' conftest.py flat into DIR
 * (previews and tests; no git). Everything is compiled before anything is written, so a refused
 * flow writes nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { compileFlow } from '../../codegen/compile.js';
import { compileConftest } from '../../codegen/conftest.js';
import { compileRuntime } from '../../codegen/runtime.js';
import { readFlowArgument } from '../flow-arg.js';

interface Options {
  args: string[];
  out?: string;
  slug?: string;
  json?: boolean;
  secrets?: 'refuse' | 'scrub';
}

export async function run(options: Options): Promise<number> {
  const { file, source } = await readFlowArgument(options.args[0], 'compile', 'flowc compile flows/<id>.json --out DIR');
  const slug = options.slug ?? 'default';
  // Flat layout: module, runner and test side by side, so the test finds the module next to it.
  const result = compileFlow(source, { file, slug, outputDir: '.', testsDir: slug, secrets: options.secrets ?? 'refuse' });
  const out = resolve(options.out ?? '.');
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  // The tenant runtime the module imports and the test's stand-ins, beside them, so the preview
  // runs as it is.
  for (const f of [...result.files, compileRuntime({ slug, outputDir: '.' }), compileConftest({ testsDir: slug })]) {
    // Component sources keep their folder (the module finds them at components/<flow>/).
    const at = f.path.indexOf('components/');
    const target = join(out, at >= 0 ? f.path.slice(at) : basename(f.path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    written.push(target);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ flowId: result.flowId, endpoint: result.endpoint, inputSha256: result.inputSha256, files: written, warnings: result.warnings }, null, 2)}\n`);
  } else {
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    for (const p of written) process.stdout.write(`wrote ${p}\n`);
  }
  return 0;
}
