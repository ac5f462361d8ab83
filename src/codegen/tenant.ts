/**
 * The tenant-level generated files: the LangServe host (`app/server.py`), the runtime every flow
 * imports (`<output_dir>/<slug>/flowc_runtime.py`), the smoke tests' `<tests_dir>/conftest.py`,
 * `langgraph.json` and `requirements-flows.txt`. They depend on the slug, the output and tests
 * directories and the generator; the host also on the trace collectors flowc.yaml names,
 * `langgraph.json` on which flow modules exist (`graphs`), the requirements on which flows run
 * components with lfx (`lfxFlows`). Pure.
 */
import { compileConftest, conftestInput } from './conftest.js';
import { compileLanggraphConfig, langgraphInput } from './langgraph.js';
import { compileFlowsRequirements, flowsRequirementsInput } from './requirements.js';
import { compileRuntime, runtimeInput } from './runtime.js';
import { compileServer, serverInput } from './server.js';
import type { GeneratedFile } from './types.js';

export interface TenantOptions {
  slug: string;
  outputDir?: string;
  /** Where the smoke tests are; default `tests/smoke`. */
  testsDir?: string;
  /** Module ids of the flows whose module exists, for langgraph.json. */
  graphs?: readonly string[];
  /** The host's trace collectors from flowc.yaml (OTLP/HTTP trace URLs). */
  collectors?: readonly string[];
  /** Module ids of the flows that run a component from its LangFlow source (they need lfx). */
  lfxFlows?: readonly string[];
}

/** Each tenant file's path and input hash, known without rendering (the no-drift fast path). */
export const tenantInputs = (options: TenantOptions): Array<{ path: string; inputSha256: string }> => [
  serverInput(options),
  runtimeInput(options),
  conftestInput(options),
  langgraphInput(options),
  flowsRequirementsInput(options),
];

export const compileTenant = (options: TenantOptions): GeneratedFile[] => [
  compileServer(options),
  compileRuntime(options),
  compileConftest(options),
  compileLanggraphConfig(options),
  compileFlowsRequirements(options),
];
