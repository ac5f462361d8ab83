/**
 * compileFlow: bytes of one LangFlow export → the flow module, its runner and its smoke test,
 * each with the DESIGN §5 header. Pure (no disk, clock or network): the CLI and the reconciler
 * write the files. A bad flow throws one FlowcError naming the file, node and field.
 *
 * Stages: parse → normalise → graph IR → check (supported components, outputs, secrets) →
 * name things → render nodes → render files → headers.
 */
import { posix } from 'node:path';
import { FlowcError } from '../errors.js';
import { buildGraph, layoutFreeJson, normalizeFlow, parseJson, typeMismatch, type FlowGraph, type IrNode } from '../langflow/index.js';
import { sha256, withHeader } from './header.js';
import { registry, supportedTypes, type GenContext, type NodeGenerator } from './nodes/index.js';
import { PY_BUILTINS, pyIdent, uniqueIdent } from './python.js';
import { GENERATOR_DIGEST, renderTemplate, templateSource, type Arg } from './render.js';
import { executionOrder, loopBlocks } from './loops.js';
import { belowRouters } from './routing.js';
import { ingestionNodes } from './entries.js';
import { smokeExpectations } from './smoke.js';
import type { CompileOptions, CompileResult, GeneratedFile } from './types.js';

export const SUPPORTED_DOC = 'docs/compiler.md#supported-components';

/** `flows/<id>.json` → `<id>`. */
export const flowIdOf = (file: string): string => posix.basename(file.replace(/\\/g, '/')).replace(/\.json$/i, '');

/** The flow id as a Python identifier suffix: lowercase, every char outside [a-z0-9_] → `_`. */
export const moduleIdOf = (flowId: string): string => flowId.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** Header `source=` value: the repo path with whitespace and `%` percent-encoded (headers split on spaces). */
export const headerSource = (file: string): string =>
  file.replace(/\\/g, '/').replace(/[%\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** LangServe path segment: `endpoint_name` if usable, else the flow id made URL-safe. */
function endpointOf(name: string | null, flowId: string, moduleId: string): string {
  const ok = (s: string) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s) && s.length <= 100;
  if (name && ok(name)) return name;
  const slug = flowId.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return ok(slug) ? slug : moduleId || 'flow';
}

/** The runtime helper sections, in the order a module includes them (`core` always). */
const RUNTIME_SECTIONS = ['core', 'structured', 'tools', 'web', 'services', 'media', 'files', 'control', 'batch', 'vectors'];

/** Top-level names of the runtime partial and the flow template: node names must not shadow them. */
const RESERVED: ReadonlySet<string> = new Set([
  ...PY_BUILTINS,
  ...RUNTIME_SECTIONS.flatMap((section) =>
    [...templateSource(`partials/runtime/${section}.py`).matchAll(/^(?:def|class) (\w+)|^(\w+(?:, \w+)*) =/gm)].flatMap((m) =>
      (m[1] ?? m[2]!).split(', '),
    ),
  ),
  ...['ast', 'json', 'operator', 'os', 're', 'threading', 'dataclass', 'field', 'Any'],
  ...['AIMessage', 'BaseMessage', 'HumanMessage', 'SystemMessage'],
  ...['RunnableLambda', 'BaseModel', 'Field', 'create_model', 'FLOW', 'FLOW_ID', 'SLUG', 'NAME', 'ENDPOINT', 'NODES', 'run_flow', 'runnable', 'ingest_flow', 'ENTRY_POINTS'],
]);
/** Locals of node templates: parameters must not shadow them either. */
const LOCALS = ['run', 'model', 'message', 'messages', 'objects', 'stored', 'text', 'prompt', 'agent_tools', 'ask', 'taken'];

interface Planned {
  node: IrNode;
  gen: NodeGenerator;
  fn: string;
  params: Map<string, string>;
  computed: string[];
  run: boolean;
  usesModel: boolean;
  /** Environment variables its secrets are read from (the smoke test sets placeholders). */
  secretEnvs: string[];
}

function flowError(graph: FlowGraph, node: IrNode | undefined, field: string | undefined, message: string, hint?: string): FlowcError {
  return new FlowcError('flow', message, {
    where: { file: graph.file, ...(node ? { nodeId: node.id, nodeType: node.dataType } : {}), ...(field ? { field } : {}) },
    ...(hint ? { hint } : {}),
  });
}

function checkSupported(graph: FlowGraph): void {
  const missing = graph.nodes.filter((n) => !registry.has(n.type));
  if (missing.length === 0) return;
  const list = missing.map((n) => `${n.id} (${n.dataType})`).join(', ');
  throw new FlowcError('flow', `unsupported component${missing.length > 1 ? 's' : ''}: ${list}`, {
    where: { file: graph.file },
    hint: `supported: ${supportedTypes().join(', ')} (see ${SUPPORTED_DOC})`,
  });
}

/** A flow with no component, and constants of the wrong type for their field (they would be dropped unseen). */
function checkValues(graph: FlowGraph): void {
  if (graph.nodes.length === 0) {
    throw new FlowcError('flow', 'the flow has no components (an empty canvas, or notes only): there is nothing to serve', {
      where: { file: graph.file },
      hint: 'add components in LangFlow and export again, or delete the file',
    });
  }
  for (const node of graph.nodes) {
    for (const [name, binding] of Object.entries(node.inputs)) {
      const field = node.fields[name]!;
      const reason = binding.kind === 'const' ? typeMismatch(field.type, binding.value) : null;
      if (reason) throw flowError(graph, node, name, `${reason} (a ${field.type} field)`, `set "${field.displayName}" in LangFlow and export the flow again`);
    }
  }
}

/** Literal values in password fields: refused (naming node and field, never the value), or scrubbed. */
function checkSecrets(graph: FlowGraph, mode: 'refuse' | 'scrub', warnings: string[]): void {
  for (const node of graph.nodes) {
    for (const [field, binding] of Object.entries(node.inputs)) {
      if (binding.kind !== 'secret' || !binding.literal) continue;
      if (mode === 'refuse') {
        if (node.fields[field]?.loadFromDb) {
          throw flowError(graph, node, field, 'this field reads a LangFlow global variable, but its value is not a variable name (letters, digits, _): a pasted secret? (not shown)', 'pick a global variable named like an environment variable (e.g. OPENAI_API_KEY), or clear the field; or set `secrets: scrub`');
        }
        throw flowError(graph, node, field, 'a secret value is typed into this password field', 'store it as a LangFlow global variable (load_from_db) or leave the field empty and set the environment variable; or set `secrets: scrub`');
      }
      warnings.push(`${graph.file}: node ${node.id} (${node.dataType}), field ${field}: secret value scrubbed; the key is read from the environment`);
    }
  }
}

/** Feedback edges (loop/router cycles) run only where a generator executes them. */
function checkFeedback(graph: FlowGraph): void {
  const e = graph.feedback.find((f) => !(graph.byId.get(f.target)!.type === 'LoopComponent' && f.targetOutput === 'item'));
  if (!e) return;
  const target = graph.byId.get(e.target)!;
  throw flowError(graph, target, undefined, `the feedback edge ${e.id} from ${e.source} back into this node is not supported yet`, 'remove the cycle; loops and router cycles are planned (issue 8)');
}

function plan(graph: FlowGraph, options: CompileOptions, warnings: string[]): Planned[] {
  const taken = new Set(RESERVED);
  return graph.nodes.map((node) => {
    const gen = registry.get(node.type)!;
    for (const out of node.usedOutputs) {
      if (!(out in gen.outputs)) {
        throw flowError(graph, node, undefined, `output "${out}" is not supported by flowc (supported: ${Object.keys(gen.outputs).join(', ')})`);
      }
    }
    const dash = node.id.lastIndexOf('-');
    const base = dash > 0 ? `${pyIdent(node.id.slice(0, dash))}_${node.id.slice(dash + 1).toLowerCase()}` : node.id;
    // Bounded so `    <output var> = <fn>(` always fits black's 88 columns.
    const fn = uniqueIdent(base, taken, 'node', 32);
    const local = new Set([...RESERVED, ...LOCALS, ...Object.keys(gen.outputs)]);
    const params = new Map<string, string>();
    for (const [field, b] of Object.entries(node.inputs)) {
      if (b.kind === 'edge' || b.kind === 'edges') params.set(field, uniqueIdent(field, local, 'value'));
    }
    const known = node.outputs.map((o) => o.name).find((o) => o in gen.outputs) ?? Object.keys(gen.outputs)[0]!;
    const computed = node.usedOutputs.length > 0 ? [...node.usedOutputs] : [known];
    const sink = typeof gen.sink === 'function' ? gen.sink(node) : gen.sink === true;
    return { node, gen, fn, params, computed, run: node.usedOutputs.length > 0 || sink, usesModel: false, secretEnvs: [] };
  });
}

function renderNode(p: Planned, graph: FlowGraph, options: CompileOptions, warnings: string[]): string {
  const where = `${graph.file}: node ${p.node.id} (${p.node.dataType})`;
  const ctx: GenContext = {
    graph,
    node: p.node,
    params: p.params,
    warn: (field, message) => warnings.push(`${where}${field ? `, field ${field}` : ''}: ${message}`),
    fail: (field, message, hint) => {
      throw flowError(graph, p.node, field, message, hint);
    },
    usesModel: () => {
      p.usesModel = true;
    },
    secret(field, defaultEnv): Arg | null {
      const b = p.node.inputs[field];
      let env: string | null = defaultEnv;
      if (b?.kind === 'secret' && b.env) env = b.env;
      else if (b?.kind === 'secret' && b.literal) env = defaultEnv ?? pyIdent(field).toUpperCase();
      if (env) p.secretEnvs.push(env);
      return env ? { env } : null;
    },
  };
  const vars = p.gen.vars(ctx);
  const head = {
    title: `${p.node.displayName} (${p.node.id})`,
    note: p.node.type === p.node.dataType ? `LangFlow ${p.node.type}` : `LangFlow ${p.node.dataType} (${p.node.type})`,
    fn: p.fn,
    id: p.node.id,
    params: [...p.params.values()],
    returns: p.gen.returns ? [p.gen.returns] : p.computed.map((o) => p.gen.outputs[o]!),
  };
  return renderTemplate(p.gen.template, { ...vars, head, used: p.computed }).trimEnd();
}

/** The calls of one entry point: `planned` holds its nodes (whole sub-graphs). */
function steps(planned: Planned[], graph: FlowGraph) {
  const byId = new Map(planned.map((p) => [p.node.id, p]));
  const guarded = belowRouters(graph);
  const blocks = loopBlocks(graph);
  const taken = new Set([...RESERVED, ...planned.map((p) => p.fn)]);
  const outVar = new Map<string, string>();
  const ref = (source: string, output: string) => {
    const v = outVar.get(`${source}\0${output}`);
    if (!v || !byId.get(source)?.run) throw new Error(`internal: ${source}.${output} used before it is computed`);
    return v;
  };
  const var_ = (p: Planned, o: string) => {
    const v = uniqueIdent(`${p.fn}_${o}`, taken, 'value', 40);
    outVar.set(`${p.node.id}\0${o}`, v);
    return v;
  };
  const depth = new Map<string, number>();
  for (const b of blocks) for (const id of b.body) depth.set(id, (depth.get(id) ?? 0) + 1);
  const out: Array<Record<string, unknown>> = [];
  let layer = -1;
  for (const id of executionOrder(graph, blocks).filter((x) => byId.has(x))) {
    const p = byId.get(id)!;
    const pad = '    '.repeat(depth.get(id) ?? 0);
    const comment = p.node.layer !== layer && !depth.has(id) ? `layer ${p.node.layer + 1}` : '';
    if (!depth.has(id)) layer = p.node.layer;
    const block = blocks.find((b) => b.loop === id);
    const args = [...p.params].map(([field, name]) => {
      const b = p.node.inputs[field]!;
      if (b.kind === 'edges') return { name, list: b.edges.map((e) => ref(e.source, e.output)), var: '' };
      if (b.kind === 'edge') return { name, list: null, var: ref(b.source, b.output) };
      throw new Error('internal: parameter without an edge');
    });
    if (block) {
      const step = { kind: 'loop', pad, comment: `${comment ? `${comment}; ` : ''}loop: the body runs once per item`, fn: p.fn, skip: false, targets: [], args, routed: guarded.has(id), item: var_(p, 'item'), done: var_(p, 'done') };
      out.push(step);
      continue;
    }
    const targets = p.node.usedOutputs.map((o) => var_(p, o));
    out.push({ kind: 'call', pad, comment, fn: p.fn, skip: !p.run, targets, args, routed: guarded.has(id) });
    for (const b of blocks.filter((x) => x.end === id)) {
      const loopPad = '    '.repeat(depth.get(b.loop) ?? 0);
      out.push({ kind: 'collect', pad: `${loopPad}    `, comment: '', done: ref(b.loop, 'done'), value: ref(id, b.endOutput), fn: '', skip: false, targets: [], args: [], routed: false });
    }
  }
  return out;
}

export function compileFlow(source: string | Uint8Array, options: CompileOptions): CompileResult {
  const file = options.file;
  const json = parseJson(source, file);
  const graph = buildGraph(normalizeFlow(json, file));
  const warnings: string[] = [];
  checkSupported(graph);
  checkValues(graph);
  checkSecrets(graph, options.secrets ?? 'refuse', warnings);
  checkFeedback(graph);

  const flowId = flowIdOf(file);
  const moduleId = moduleIdOf(flowId);
  const endpoint = endpointOf(graph.endpointName, flowId, moduleId);
  const outputDir = (options.outputDir ?? 'app/flows').replace(/\/+$/, '');
  const testsDir = (options.testsDir ?? 'tests/smoke').replace(/\/+$/, '');
  const flowDir = posix.join(outputDir, options.slug);
  const flowPath = posix.join(flowDir, `flow_${moduleId}.py`);
  const name = graph.name || flowId;

  const planned = plan(graph, options, warnings);
  const ingestion = ingestionNodes(graph);
  const nodes = planned.map((p) => renderNode(p, graph, options, warnings));
  const flowBody = renderTemplate('flow.py', {
    title: `${name} (LangFlow flow)`,
    file,
    schema_version: graph.schemaVersion,
    description: graph.description.split('\n').map((l) => l.trim()).filter((l) => /[^\s]/.test(l)).slice(0, 5),
    flow_id: flowId,
    slug: options.slug,
    name,
    endpoint,
    nodes,
    steps: steps(planned.filter((p) => !ingestion.has(p.node.id)), graph),
    ingest_steps: steps(planned.filter((p) => ingestion.has(p.node.id)), graph),
    table: planned.map((p) => ({ id: p.node.id, fn: p.fn, display_name: p.node.displayName, type: p.node.dataType })),
    runtime: RUNTIME_SECTIONS.filter((s) => s === 'core' || planned.some((p) => p.gen.runtime?.includes(s))),
  });
  const runnerBody = renderTemplate('runner.py', {
    name,
    runner_file: `runner_${moduleId}.py`,
    flow_file: `flow_${moduleId}.py`,
    module_name: `flowc_flow_${moduleId}`,
  });
  const smoke = smokeExpectations(graph, planned, ingestion);
  const testBody = renderTemplate('smoke_test.py', {
    name,
    flow_file: posix.relative(testsDir, flowPath),
    module_name: `flowc_smoke_${moduleId}`,
    test_name: `${moduleId}_answers_through_its_outputs`,
    ...smoke,
  });

  const inputSha256 = sha256(
    [layoutFreeJson(json), GENERATOR_DIGEST, JSON.stringify({ file, slug: options.slug, outputDir, testsDir, secrets: options.secrets ?? 'refuse' })].join('\n'),
  );
  const sourceSha256 = sha256(source);
  const header = { source: headerSource(file), inputSha256, sourceSha256, generator: GENERATOR_DIGEST };
  const files: GeneratedFile[] = [
    { path: flowPath, content: withHeader(flowBody, header) },
    { path: posix.join(flowDir, `runner_${moduleId}.py`), content: withHeader(runnerBody, header) },
    { path: posix.join(testsDir, `test_${moduleId}.py`), content: withHeader(testBody, header) },
  ];
  return { flowId, moduleId, name, endpoint, inputSha256, sourceSha256, files, warnings };
}
