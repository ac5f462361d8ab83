/**
 * Compiler throughput over LangFlow's starter projects: compiles the whole corpus (every release in
 * ../shared/fixtures/langflow and in .cache/langflow-starters, see scripts/fetch-starters.sh)
 * repeatedly in one process and compares with JSON.parse of the same bytes.
 *
 *   npx tsx bench/compile.ts [rounds]      (default 30)
 *
 * Prints flows/s for the corpus (refusals included: they are compiles too) and for the flows
 * that compile, and the ratio compile time / JSON.parse time. Before/after on the same flows:
 * `BENCH_OK_OUT=f` writes which flows compile (run it on the "before" tree), `BENCH_SAME=f` adds a
 * line for exactly those flows (run it on the "after" tree).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileFlow } from '../src/codegen/compile.js';

const root = resolve(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'langflow');
if (!existsSync(root)) {
  console.log(`no fixtures under ${root}; nothing to measure`);
  process.exit(0);
}
const rounds = Number(process.argv[2] ?? 30);
// Every release at hand: ../shared's folders, and those scripts/fetch-starters.sh fetched.
const fetched = resolve(import.meta.dirname, '..', '.cache', 'langflow-starters');
const folders = [
  ...readdirSync(root).map((v) => join(root, v)),
  ...(existsSync(fetched) ? readdirSync(fetched).filter((v) => v !== 'wheels').map((v) => join(fetched, v)) : []),
].sort();
const flows = folders.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: `flows/${f}`, key: `${dir.split('/').pop()}/${f}`, bytes: readFileSync(join(dir, f)) })),
);
const texts = flows.map((f) => f.bytes.toString('utf8'));

function compileAll(subset: typeof flows): number {
  let ok = 0;
  for (const f of subset) {
    try {
      compileFlow(f.bytes, { file: f.file, slug: 'bench' });
      ok++;
    } catch {
      // refused: still a full parse + check
    }
  }
  return ok;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const supported = flows.filter((f) => {
  try {
    compileFlow(f.bytes, { file: f.file, slug: 'bench' });
    return true;
  } catch {
    return false;
  }
});
// Issue 2's component set: the like-for-like baseline for later waves (more components make more
// flows compile, which moves the `all` ratio without any compile getting slower).
const CORE = new Set(['ChatInput', 'ChatOutput', 'TextInput', 'TextOutput', 'Prompt', 'Prompt Template', 'LanguageModelComponent', 'Memory', 'parser', 'ParserComponent', 'StructuredOutput', 'OpenAIModel', 'AnthropicModel', 'OllamaModel']);
const core = supported.filter((f) =>
  (JSON.parse(f.bytes.toString('utf8')).data.nodes as Array<{ type?: string; data?: { type?: string } }>)
    .filter((n) => n.type === 'genericNode')
    .every((n) => CORE.has(n.data?.type ?? '')),
);
if (process.env.BENCH_OK_OUT) writeFileSync(process.env.BENCH_OK_OUT, supported.map((f) => f.key).join('\n'));
const listed = process.env.BENCH_SAME ? new Set(readFileSync(process.env.BENCH_SAME, 'utf8').split('\n')) : undefined;
const same = listed ? supported.filter((f) => listed.has(f.key)) : [];
compileAll(flows); // warm-up (template cache, JIT)
const parseMs = time(() => texts.forEach((t) => JSON.parse(t)));
const allMs = time(() => compileAll(flows));
const okMs = time(() => compileAll(supported));
const okParseMs = time(() => supported.forEach((f) => JSON.parse(f.bytes.toString('utf8'))));
const coreMs = time(() => compileAll(core));
const coreParseMs = time(() => core.forEach((f) => JSON.parse(f.bytes.toString('utf8'))));
const mb = flows.reduce((n, f) => n + f.bytes.length, 0) / 1e6;

const rate = (n: number, ms: number) => ((n * rounds) / (ms / 1000)).toFixed(0);
console.log(`corpus: ${flows.length} flows of ${folders.length} releases (${mb.toFixed(1)} MB), ${supported.length} compile, ${rounds} rounds`);
console.log(`JSON.parse:        ${rate(flows.length, parseMs)} flows/s`);
console.log(`compileFlow (all): ${rate(flows.length, allMs)} flows/s  ratio to JSON.parse ${(allMs / parseMs).toFixed(1)}x`);
console.log(`compileFlow (ok):  ${rate(supported.length, okMs)} flows/s  ratio to JSON.parse ${(okMs / okParseMs).toFixed(1)}x`);
console.log(`compileFlow (core): ${rate(core.length, coreMs)} flows/s  ratio to JSON.parse ${(coreMs / coreParseMs).toFixed(1)}x  (${core.length} flows of issue 2's components only)`);
if (listed) {
  const sameMs = time(() => compileAll(same));
  const sameParseMs = time(() => same.forEach((f) => JSON.parse(f.bytes.toString('utf8'))));
  console.log(`compileFlow (same): ${rate(same.length, sameMs)} flows/s  ratio to JSON.parse ${(sameMs / sameParseMs).toFixed(1)}x  (${same.length} of the ${listed.size} flows in ${process.env.BENCH_SAME})`);
}
