/**
 * The tenant files `flowc init` writes beside flowc.yaml (issue 7): `.gitattributes`, so code hosts
 * fold generated files out of diffs and language stats, and `requirements.txt`, the pinned Python
 * environment of the tenant's LangServe host. Both are plain text built from the config and from
 * flowc's own pins; init merges them into what the tenant already has and never drops a user's line.
 */
import { LANGGRAPH_CONFIG_PATH } from '../codegen/langgraph.js';
import { basePins, canonicalName, flowcPins, FLOWS_REQUIREMENTS_PATH } from '../codegen/requirements.js';
import { SERVER_PATH } from '../codegen/server.js';
import type { Config } from '../config/schema.js';

/**
 * The host's requirements: flowc's exact pins minus the check-only tools and what only lfx needs,
 * plus the flows' own (`requirements-flows.txt`, generated with every build: lfx only while a flow
 * runs a LangFlow component from its source).
 */
export function hostRequirements(slug: string, source?: string): string {
  const pytest = flowcPins(source).find((p) => canonicalName(p.name) === 'pytest');
  return [
    `# Python environment of the LangServe host of tenant ${slug} (${SERVER_PATH} and the generated flows).`,
    "# Exact pins from flowc's python/requirements.txt, without its check-only tools (black, pytest); what",
    `# the flows need beyond these (lfx, when a flow runs a LangFlow component from its source) flowc`,
    `# keeps in ${FLOWS_REQUIREMENTS_PATH}, included below.`,
    '# Set up: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt',
    `# Running the smoke tests (tests/smoke) by hand also needs ${pytest ? pytest.line : 'pytest'}.`,
    ...basePins(source).map((p) => p.line),
    `-r ${FLOWS_REQUIREMENTS_PATH}`,
    '',
  ].join('\n');
}

/** `.gitattributes` lines marking every generated path `linguist-generated`. */
export function generatedAttributes(config: Pick<Config, 'outputDir' | 'testsDir'>): string[] {
  return [`${config.outputDir}/** linguist-generated=true`, `${config.testsDir}/** linguist-generated=true`, `${SERVER_PATH} linguist-generated=true`, `${LANGGRAPH_CONFIG_PATH} linguist-generated=true`, `${FLOWS_REQUIREMENTS_PATH} linguist-generated=true`];
}

/** `current` plus whichever of `lines` it lacks (one per line; an existing file's lines are kept as they are). */
export function mergeLines(current: string, lines: string[]): string {
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const want = lines.filter((l) => !have.has(l));
  if (!want.length) return current;
  return `${current}${current && !current.endsWith('\n') ? '\n' : ''}${want.join('\n')}\n`;
}
