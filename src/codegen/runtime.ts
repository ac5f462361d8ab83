/**
 * The tenant runtime (`<output_dir>/<slug>/flowc_runtime.py`): the helpers every flow module
 * imports, generated once per tenant repo. Like the host, it depends only on the slug, the output
 * directory and the generator, so adding a flow never changes it, and a runtime change is one
 * file in the build commit. Pure.
 */
import { posix } from 'node:path';
import { sha256, withHeader } from './header.js';
import { GENERATOR_DIGEST, RUNTIME_DIGEST, renderTemplate } from './render.js';
import type { GeneratedFile } from './types.js';

export interface RuntimeOptions {
  slug: string;
  /** Output root for flow modules, repo-relative; default `app/flows`. */
  outputDir?: string;
}

/** The runtime's sections (templates/partials/runtime/<name>.py.liquid), in the module's order. */
export const RUNTIME_SECTIONS = ['core', 'flow', 'structured', 'tools', 'web', 'services', 'media', 'files', 'control', 'batch', 'vectors', 'components'];

/** The module name flow modules import (`from flowc_runtime import ...`). */
export const RUNTIME_MODULE = 'flowc_runtime';

/** The runtime's path and input hash, known without rendering it. */
export function runtimeInput(options: RuntimeOptions): { path: string; inputSha256: string } {
  const outputDir = posix.normalize(options.outputDir ?? 'app/flows').replace(/\/+$/, '');
  const path = posix.join(outputDir, options.slug, `${RUNTIME_MODULE}.py`);
  return { path, inputSha256: sha256(JSON.stringify({ generator: GENERATOR_DIGEST, runtime: RUNTIME_DIGEST, path })) };
}

export function compileRuntime(options: RuntimeOptions): GeneratedFile {
  const { path, inputSha256 } = runtimeInput(options);
  const body = renderTemplate('runtime.py', { sections: RUNTIME_SECTIONS });
  return { path, content: withHeader(body, { source: 'flowc.yaml', inputSha256, generator: GENERATOR_DIGEST }) };
}
