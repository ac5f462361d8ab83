/**
 * The tenant-level generated files: the LangServe host (`app/server.py`) and the runtime every flow
 * imports (`<output_dir>/<slug>/flowc_runtime.py`). Both depend only on the slug, the output
 * directory and the generator, never on the flows. Pure.
 */
import { compileRuntime, runtimeInput } from './runtime.js';
import { compileServer, serverInput } from './server.js';
import type { GeneratedFile } from './types.js';

export interface TenantOptions {
  slug: string;
  outputDir?: string;
}

/** Each tenant file's path and input hash, known without rendering (the no-drift fast path). */
export const tenantInputs = (options: TenantOptions): Array<{ path: string; inputSha256: string }> => [serverInput(options), runtimeInput(options)];

export const compileTenant = (options: TenantOptions): GeneratedFile[] => [compileServer(options), compileRuntime(options)];
