/**
 * Acceptance 1–2 over LangFlow's own starter projects (../shared/fixtures/langflow/{1.8,1.10,1.13}):
 * every flow made only of supported components compiles, py_compiles, is black-clean and passes
 * its generated smoke test (fake chat model → ChatOutput); every other flow is refused with one
 * error naming the file, each unsupported node id and type, and where the supported types are
 * listed. One Python run checks all files; one pytest run executes all smoke tests.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileFlow, SUPPORTED_DOC } from '../../src/codegen/compile.js';
import { registry } from '../../src/codegen/nodes/index.js';
import { compileConftest } from '../../src/codegen/conftest.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { isFlowcError } from '../../src/errors.js';
import { loadFlow } from '../../src/langflow/index.js';
import { createValidator } from '../../src/python/validate.js';
import { checkPythonFiles, fixturesRoot, havePython, pythonPath, runPytest } from '../helpers/python.js';

const FOLDERS = ['1.8', '1.10', '1.13'];
/** Flows of the 1.8 and 1.10 corpus that must compile (issue 2's components, then issue 8's so far). */
const EXPECTED_COMPILED = [
  'Basic Prompt Chaining',
  'Basic Prompting',
  'Financial Report Parser',
  'Image Sentiment Analysis',
  'Memory Chatbot',
  'SEO Keyword Generator',
  'Twitter Thread Generator',
  // Agent, tool mode, Calculator, URL, Tavily, APIRequest
  'Blog Writer',
  'Custom Component Generator',
  'Instagram Copywriter',
  'Market Research',
  'Pokédex Agent',
  'Research Agent',
  'SaaS Pricing',
  'Simple Agent',
  // File
  'Document Q&A',
  'Portfolio Website Code Generator',
  'Text Sentiment Analysis',
  // Loop, ArXiv, SearchApi
  'Research Translation Loop',
  'Travel Planning Agents',
  // AgentQL
  'Price Deal Finder',
  // SaveToFile, ScrapeGraph, Apify, Needle, Yahoo! Finance, AssemblyAI, YouTube
  'News Aggregator',
  'Search agent',
  'Social Media Agent',
  'Invoice Summarizer',
  'Sequential Tasks Agents',
  'Meeting Summary',
  'YouTube Analysis',
];
/** A component that needs LangFlow's own server (its database: MCP servers): refused naming node and field. */
const SERVER_ONLY = /node [\w-]+ \([\w ]+\), field code: .+ needs LangFlow's own server/;
/** Flows that must compile, per folder (the same starter project differs between versions). */
const EXPECTED_IN: Record<string, string[]> = {
  // Embeddings + Astra DB (1.10's Vector Store RAG uses LangFlow's Knowledge component instead);
  // knowledge bases (flowc's own, nodes/knowledge.ts).
  // NVIDIA RTX Remix: its MCP Tools names no server, so (as in LangFlow) it gives the agent no tools;
  // its Embedding Model names no model, so one is chosen at run time (as the Agent's model).
  '1.8': [...EXPECTED_COMPILED, 'Vector Store RAG', 'Knowledge Ingestion', 'Knowledge Retrieval', 'Hybrid Search RAG', 'NVIDIA RTX Remix'],
  '1.10': [...EXPECTED_COMPILED, 'Vector Store RAG', 'Knowledge Base', 'Hybrid Search RAG', 'NVIDIA RTX Remix'],
  // 1.13 renamed and replaced much (Web Search, MemoryBase, Knowledge): what compiles today (issue 13).
  '1.13': [
    'Basic Prompting',
    'Blog Writer',
    'Image Sentiment Analysis',
    'Multi Agent Flow',
    'Portfolio Website Code Generator',
    'Research Translation Loop',
    'SEO Keyword Generator',
    'Text Sentiment Analysis',
    'Twitter Thread Generator',
    // Web Search (UnifiedWebSearch) and SQL Database run from their own source with lfx.
    'Content Aggregator',
    'SaaS Pricing',
    'Deep Research Agent',
    'Instagram Copywriter',
    'Market Research',
    'Sequential Tasks Agents',
    'Simple Agent',
    'Social Media Agent',
    'Travel Planning Agents',
    // Knowledge and Memory Base (flowc's own), AssemblyAI's Transcriber, Astra DB's vectorize,
    // the Agent's structured response.
    'Hybrid Search RAG',
    'Financial Report Parser',
    'Price Deal Finder',
    'Custom Component Generator',
    'Document Q&A',
    'Knowledge Retrieval',
    'Meeting Summary',
    'Memory Chatbot',
    'Vector Store RAG',
  ],
};
/** Compiled flows the Python checker refuses before any commit (a component source importing what is not installed). */
const CHECKER_REFUSALS: Record<string, RegExp> = {
  // Its agent imports OpenDsStar when it runs: torch, CUDA, transformers, docling — several GB.
  '1.10/Structured Data Analysis Agent': /its component source requires OpenDsStar\S* \(in \w+\.\w+\), which is not installed/,
};
const present = FOLDERS.every((f) => existsSync(join(fixturesRoot, f)));
// The corpus is LangFlow's, kept in ../shared (never in this repo): say so when it is not there.
if (!present) console.log(`corpus test skipped: LangFlow fixtures not found under ${fixturesRoot} (../shared/fixtures/langflow/{1.8,1.10,1.13})`);

(present && havePython() ? test : test.skip)('the fixture corpus compiles, checks and runs (or is refused clearly)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'flowc-corpus-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const written: string[] = [];
  const compiledNames: string[] = [];
  /** Per compiled flow (`<folder>/<name>`): its generated files, repo-relative. */
  const filesOf = new Map<string, string[]>();

  for (const folder of FOLDERS) {
    const slug = `v${folder.replace('.', '_')}`;
    const compiled: string[] = [];
    const refused: string[] = [];
    // The tenant runtime the flow modules import and the smoke tests' conftest.py, once per
    // tenant (one per folder here).
    for (const f of [compileRuntime({ slug }), compileConftest({ testsDir: `tests/smoke/${slug}` })]) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content);
      written.push(join(root, f.path));
    }
    for (const entry of readdirSync(join(fixturesRoot, folder)).filter((f) => f.endsWith('.json')).sort()) {
      const file = `flows/${entry}`;
      const bytes = readFileSync(join(fixturesRoot, folder, entry));
      // Unsupported: no flowc generator and no source of its own to run with lfx.
      const unsupported = loadFlow(bytes, file).nodes.filter((n) => !registry.has(n.type) && !(typeof n.fields.code?.value === 'string' && /^class\s+\w+/m.test(n.fields.code.value)));
      try {
        const result = compileFlow(bytes, { file, slug, testsDir: `tests/smoke/${slug}` });
        t.is(unsupported.length, 0, `${folder}/${entry} compiled although it has unsupported nodes`);
        for (const f of result.files) {
          const target = join(root, f.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, f.content);
          written.push(target);
        }
        compiled.push(result.name);
        compiledNames.push(`${folder}/${result.name}`);
        filesOf.set(`${folder}/${result.name}`, result.files.map((f) => f.path));
      } catch (err) {
        if (!isFlowcError(err)) throw err;
        const text = err.describe();
        refused.push(`${entry.replace(/\.json$/, '')}: ${text}`);
        t.true(text.includes(file), `refusal names the file: ${text}`);
        if (unsupported.length === 0) {
          t.regex(text, SERVER_ONLY, `${folder}/${entry} refused although all its components are supported`);
          continue;
        }
        for (const n of unsupported) t.true(text.includes(`${n.id} (${n.dataType})`), `refusal names ${n.id} (${n.dataType}): ${text}`);
        t.true(text.includes(SUPPORTED_DOC), `refusal says where the supported types are listed: ${text}`);
      }
    }
    t.log(`${folder}: compiled ${compiled.length}, refused ${refused.length}`);
    t.log(`${folder} compiled: ${compiled.join(', ')}`);
    for (const r of refused) t.log(`${folder} refused ${r}`);
    for (const name of EXPECTED_IN[folder]!) t.true(compiled.includes(name), `${folder}/${name} compiles`);
  }

  const checks = await checkPythonFiles(written.filter((f) => f.endsWith('.py')));
  const bad = checks.filter((c) => c.compile || c.black);
  t.deepEqual(bad, [], 'every generated file compiles and is black-clean');
  t.is(checks.length, written.filter((f) => f.endsWith('.py')).length);

  // The product's checker (as before every commit) on the component sources run with lfx.
  const validator = createValidator({ python: pythonPath() });
  const refusedByChecker = new Set<string>();
  try {
    for (const [flow, paths] of filesOf) {
      const components = paths.filter((p) => p.includes('/components/')).map((p) => ({ path: p, content: readFileSync(join(root, p), 'utf8') }));
      const errors = (await validator.check(components)).filter((r) => r.error);
      const expected = CHECKER_REFUSALS[flow];
      if (errors.length === 0) {
        t.falsy(expected, `${flow}: the checker should refuse it`);
        continue;
      }
      t.truthy(expected, `${flow} refused by the checker: ${errors.map((e) => e.error).join('; ')}`);
      if (expected) t.regex(errors.map((e) => e.error).join('; '), expected);
      refusedByChecker.add(flow);
    }
  } finally {
    await validator.close();
  }

  const smoked = compiledNames.filter((f) => !refusedByChecker.has(f));
  const tests = smoked.flatMap((f) => filesOf.get(f)!.filter((p) => p.startsWith('tests/smoke/')));
  const pytest = await runPytest(tests, root);
  t.log(pytest.stdout.split('\n').filter((l) => l.startsWith('PASSED') || l.startsWith('FAILED') || / passed| failed/.test(l)).join('\n'));
  t.is(pytest.code, 0, pytest.stdout + pytest.stderr);
  const passed = Number(/(\d+) passed/.exec(pytest.stdout)?.[1] ?? 0);
  t.is(passed, smoked.length, 'one smoke test per compiled flow, all passing');
  // Issue 13: at least 95 % of each release's flows compile and pass their smoke test.
  for (const folder of FOLDERS) {
    const slug = `v${folder.replace('.', '_')}`;
    const total = readdirSync(join(fixturesRoot, folder)).filter((f) => f.endsWith('.json')).length;
    const ok = [...pytest.stdout.matchAll(new RegExp(`^PASSED tests/smoke/${slug}/`, 'gm'))].length;
    t.log(`${folder}: ${ok} of ${total} flows compile and pass their smoke test`);
    t.true(ok >= Math.ceil(0.95 * total), `${folder}: ${ok} of ${total} pass, under 95 %`);
  }
});
