/**
 * The tenant's `langgraph.json` (repo root): every flow's compiled graph by module id, so the same
 * code runs under LangGraph's own server (`langgraph dev` from the repo root) as under the
 * LangServe host. It depends on which flow modules exist, so the reconciler passes their ids.
 * Pure.
 */
import { posix } from 'node:path';
import { sha256, withJsonHeader } from './header.js';
import { GENERATOR_DIGEST } from './render.js';
import type { GeneratedFile } from './types.js';

export const LANGGRAPH_CONFIG_PATH = 'langgraph.json';

export interface LanggraphOptions {
  slug: string;
  outputDir?: string;
  /** Module ids of the flows whose module exists (`flow_<id>.py`); order does not matter. */
  graphs?: readonly string[];
}

function config(options: LanggraphOptions) {
  const outputDir = posix.normalize(options.outputDir ?? 'app/flows').replace(/\/+$/, '');
  const flowsDir = `./${posix.join(outputDir, options.slug)}`;
  const graphs = [...new Set(options.graphs ?? [])].sort();
  return {
    // The flows' directory on sys.path: each module imports flowc_runtime beside it.
    dependencies: [flowsDir],
    graphs: Object.fromEntries(graphs.map((id) => [id, `${flowsDir}/flow_${id}.py:graph`])),
  };
}

export function langgraphInput(options: LanggraphOptions): { path: string; inputSha256: string } {
  return { path: LANGGRAPH_CONFIG_PATH, inputSha256: sha256(JSON.stringify({ generator: GENERATOR_DIGEST, config: config(options) })) };
}

export function compileLanggraphConfig(options: LanggraphOptions): GeneratedFile {
  const { path, inputSha256 } = langgraphInput(options);
  return { path, content: withJsonHeader(config(options), { source: 'flowc.yaml', inputSha256, generator: GENERATOR_DIGEST }) };
}
