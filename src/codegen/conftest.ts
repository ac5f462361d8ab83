/**
 * The smoke tests' `conftest.py` (`<tests_dir>/conftest.py`): the stand-ins every flow's smoke
 * test shares — a fake chat model, bag-of-words embeddings and one local server for every
 * service a flow calls — as the pytest fixture `smoke`. One per tenant, so a flow's test holds
 * only what is its own. Depends on the tests directory and the generator. Pure.
 */
import { posix } from 'node:path';
import { sha256, withHeader } from './header.js';
import { GENERATOR_DIGEST, renderTemplate } from './render.js';
import type { GeneratedFile } from './types.js';

export interface ConftestOptions {
  /** Where the smoke tests are, repo-relative; default `tests/smoke`. */
  testsDir?: string;
}

export function conftestInput(options: ConftestOptions): { path: string; inputSha256: string } {
  const testsDir = posix.normalize(options.testsDir ?? 'tests/smoke').replace(/\/+$/, '');
  const path = posix.join(testsDir, 'conftest.py');
  return { path, inputSha256: sha256(JSON.stringify({ generator: GENERATOR_DIGEST, path })) };
}

export function compileConftest(options: ConftestOptions): GeneratedFile {
  const { path, inputSha256 } = conftestInput(options);
  return { path, content: withHeader(renderTemplate('smoke_conftest.py', {}), { source: 'flowc.yaml', inputSha256, generator: GENERATOR_DIGEST }) };
}
