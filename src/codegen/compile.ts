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
import { flowDiagram, type Way } from './diagram.js';
import { sha256, withHeader, withMarkdownHeader } from './header.js';
import { COMPONENTS_DIR, flowIdOf, moduleIdOf } from './ids.js';
import { COMPONENT_TEMPLATE, componentGenerator, componentSource, needsServer } from './nodes/component.js';
import { registry, supportedTypes, type GenContext, type NodeGenerator } from './nodes/index.js';
import { PY_BUILTINS, pyCall, pyDict, pyIdent, pyLines, pyList, pyStr, uniqueIdent, type PyLayout } from './python.js';
import { GENERATOR_DIGEST, RUNTIME_EXPORTS, renderTemplate, type Arg } from './render.js';
import { loopBlocks } from './loops.js';
import { END, START, wire } from './wiring.js';
import { ingestionNodes, ingests } from './entries.js';
import { smokeExpectations } from './smoke.js';
import type { CompileOptions, CompileResult, GeneratedFile } from './types.js';

export const SUPPORTED_DOC = 'docs/compiler.md#supported-components';

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


/** Module-level names of a flow module: node functions must not shadow them. */
const RESERVED: ReadonlySet<string> = new Set([
  ...PY_BUILTINS,
  ...RUNTIME_EXPORTS,
  ...['os', 'Path', 'COMPONENTS', 'Any', 'START', 'END', 'StateGraph', 'State', 'FLOW', 'FLOW_ID', 'SLUG', 'NAME', 'ENDPOINT'],
  ...['builder', 'graph', 'runnable', 'ingest_builder', 'ingest_graph', 'ENTRY_POINTS', 'state'],
]);
/** Locals of node templates: parameters must not shadow them either. */
const LOCALS = ['state', 'component', 'model', 'message', 'messages', 'objects', 'stored', 'text', 'prompt', 'agent_tools', 'ask', 'taken', 'route', 'result', 'progress'];

/** Nodes whose text is a model's answer: what a flow streams. */
const ANSWERS = new Set(['LanguageModelComponent', 'OpenAIModel', 'AnthropicModel', 'GoogleGenerativeAIModel', 'OllamaModel', 'Agent']);
/** Nodes that show text (their Message lands in the run's `outputs`): node type → the template's variable. */
const SHOWS: Record<string, string> = { ChatOutput: 'message', TextOutput: 'text' };

interface Planned {
  node: IrNode;
  gen: NodeGenerator;
  fn: string;
  params: Map<string, string>;
  computed: string[];
  run: boolean;
  /** State key of each used output (and of a router's or loop's route and progress). */
  keys: Map<string, string>;
  usesModel: boolean;
  /** Environment variables its secrets are read from (the smoke test sets placeholders). */
  secretEnvs: string[];
  /** A node run from its own source: that source's file, relative to the flow module. */
  sourceFile?: string;
}

function flowError(graph: FlowGraph, node: IrNode | undefined, field: string | undefined, message: string, hint?: string): FlowcError {
  return new FlowcError('flow', message, {
    where: { file: graph.file, ...(node ? { nodeId: node.id, nodeType: node.dataType } : {}), ...(field ? { field } : {}) },
    ...(hint ? { hint } : {}),
  });
}

/**
 * The generator of a node: flowc's own for the core components, else the node's own source run
 * with lfx (nodes/component.ts). A custom component (code written or edited in LangFlow) always
 * runs its own source, unless the tenant refuses custom components.
 */
function generatorFor(graph: FlowGraph, node: IrNode, options: CompileOptions): NodeGenerator | undefined {
  if (node.custom && componentSource(node)) {
    if (options.customComponents === 'refuse') {
      throw flowError(graph, node, 'code', 'this is a custom component (its code was written or edited in LangFlow), and this tenant refuses custom components', 'use LangFlow\'s own component instead, or set `custom_components: allow` in flowc.yaml');
    }
    return componentGenerator(node);
  }
  const own = registry.get(node.type);
  // flowc's own generator when it computes every output the flow uses; else the node's source
  // (not for a node that calls a model: flowc's model factory configures and traces it).
  if (own && (node.usedOutputs.every((o) => o in own.outputs) || ANSWERS.has(node.type))) return own;
  if (!componentSource(node)) return own;
  const server = needsServer(node);
  if (server) throw flowError(graph, node, server.field, server.why, server.hint);
  return componentGenerator(node);
}

function checkSupported(graph: FlowGraph, options: CompileOptions): void {
  const missing = graph.nodes.filter((n) => !generatorFor(graph, n, options));
  if (missing.length === 0) return;
  const list = missing.map((n) => `${n.id} (${n.dataType})`).join(', ');
  throw new FlowcError('flow', `unsupported component${missing.length > 1 ? 's' : ''}: ${list}`, {
    where: { file: graph.file },
    hint: `these nodes carry no component source to run; flowc's own components: ${supportedTypes().join(', ')} (see ${SUPPORTED_DOC})`,
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
    const gen = generatorFor(graph, node, options)!;
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
      if (b.kind === 'edge' || b.kind === 'edges') params.set(field, uniqueIdent(field, local, 'value', 32));
    }
    const known = node.outputs.map((o) => o.name).find((o) => o in gen.outputs) ?? Object.keys(gen.outputs)[0];
    const computed = node.usedOutputs.length > 0 ? [...node.usedOutputs] : known ? [known] : [];
    const sink = typeof gen.sink === 'function' ? gen.sink(node) : gen.sink === true;
    return { node, gen, fn, params, computed, run: node.usedOutputs.length > 0 || sink, keys: new Map(), usesModel: false, secretEnvs: [] };
  });
}

/** State keys: `<function>_<output>` for each used output; routers and loops add their route. */
function stateKeys(planned: Planned[]): string[] {
  const taken = new Set([...RESERVED, 'input_value', 'session_id', 'files', 'text', 'outputs']);
  const lines: string[] = [];
  for (const p of planned) {
    const extra = p.node.type === 'ConditionalRouter' ? { route: 'str' } : p.node.type === 'LoopComponent' ? { progress: 'LoopProgress', route: 'str' } : {};
    const typed: Array<[string, string]> = [...p.node.usedOutputs.map((o): [string, string] => [o, p.gen.outputs[o]!]), ...Object.entries(extra)];
    for (const [name, type] of typed) {
      const key = uniqueIdent(`${p.fn}_${name}`, taken, 'value', 48);
      p.keys.set(name, key);
      lines.push(`${key}: ${type}`);
    }
  }
  return lines;
}

/** The Message a node shows as the run's output, as a template expression (null: shows none). */
function shownBy(p: Planned): string | null {
  if (p.node.type in SHOWS) return SHOWS[p.node.type]!;
  return ingests(p.node) ? 'store.report' : null;
}

/** The lines that read a node's edge-fed inputs from the state. */
function stateReads(p: Planned, byId: Map<string, Planned>): string[] {
  const read = (source: string, output: string) => {
    const key = byId.get(source)?.keys.get(output);
    if (!key) throw new Error(`internal: ${source}.${output} is read but never computed`);
    return `state[${pyStr(key)}]`;
  };
  return [...p.params].map(([field, name]) => {
    const b = p.node.inputs[field]!;
    if (b.kind === 'edge') return `${name} = ${read(b.source, b.output)}`;
    if (b.kind !== 'edges') throw new Error('internal: parameter without an edge');
    // Always one item per line: the trailing comma keeps black from joining them.
    return [`${name} = [`, ...b.edges.map((e) => `    ${read(e.source, e.output)},`), ']'].join('\n    ');
  });
}

/** The node function's return: the state update (its used outputs, what it shows). */
function stateReturn(p: Planned): string {
  const expr: Record<string, string> =
    p.node.type === 'ConditionalRouter'
      ? { true_result: 'result', false_result: 'result', route: 'route' }
      : p.node.type === 'LoopComponent'
        ? { item: 'progress.item', done: 'progress.done', progress: 'progress', route: 'progress.route' }
        : {};
  const items: PyLayout[] = [...p.keys].map(([name, key]) => `${pyStr(key)}: ${expr[name] ?? name}`);
  const shows = shownBy(p);
  const show = pyCall('shown', pyStr(p.node.id), shows ?? '');
  if (shows && items.length === 0) return pyLines(show, 4, 'return ').trimStart();
  if (shows) items.push(pyCall('**shown', pyStr(p.node.id), shows));
  return pyLines({ open: '{', close: '}', items }, 4, 'return ').trimStart();
}

function renderNode(p: Planned, byId: Map<string, Planned>, graph: FlowGraph, warnings: string[]): string {
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
    ...(p.sourceFile ? { sourceFile: p.sourceFile } : {}),
    secret(field, defaultEnv): Arg | null {
      const b = p.node.inputs[field];
      let env: string | null = defaultEnv;
      if (b?.kind === 'secret' && b.env) env = b.env;
      else if (b?.kind === 'secret' && b.literal) env = defaultEnv ?? pyIdent(field).toUpperCase();
      if (env) p.secretEnvs.push(env);
      return env ? { env } : null;
    },
  };
  // A global variable read at run time: the smoke test sets a stand-in for it like for a secret.
  for (const b of Object.values(p.node.inputs)) if (b.kind === 'global') p.secretEnvs.push(b.env);
  const vars = p.gen.vars(ctx);
  const named = p.node.id.startsWith(`${p.node.type}-`) || p.node.id.startsWith(`${p.node.dataType}-`);
  const head = {
    title: `${p.node.displayName} (${p.node.id})`,
    note: named ? '' : p.node.type === p.node.dataType ? `LangFlow ${p.node.type}` : `LangFlow ${p.node.dataType} (${p.node.type})`,
    fn: p.fn,
    id: p.node.id,
    reads: stateReads(p, byId),
    ret: stateReturn(p),
  };
  const loop = p.node.type === 'LoopComponent' ? loopKeys(p, byId, graph) : {};
  return renderTemplate(p.gen.template, { ...vars, ...loop, head, used: p.computed }).trimEnd();
}

/** A loop node's own progress key and the key of what its body feeds back. */
function loopKeys(p: Planned, byId: Map<string, Planned>, graph: FlowGraph) {
  const back = graph.feedback.find((e) => e.target === p.node.id)!;
  return { progress_key: p.keys.get('progress')!, result_key: byId.get(back.source)!.keys.get(back.sourceOutput)! };
}

/** One entry point's graph: its builder statements, by LangFlow node id → function name. */
function graphLines(planned: Planned[], graph: FlowGraph, builder: string, compiled: string): string[] {
  const fnOf = new Map(planned.map((p) => [p.node.id, p.fn]));
  const name = (id: string) => (id === START ? 'START' : id === END ? 'END' : pyStr(fnOf.get(id)!));
  const lines: string[] = [`${builder} = StateGraph(State, input_schema=FlowInput, output_schema=FlowOutput)`];
  for (const p of planned) {
    // The LangFlow node each graph node is: in the run's metadata (traces), and for a reviewer.
    const metadata = pyDict([['"langflow_id"', pyStr(p.node.id)], ['"display_name"', pyStr(p.node.displayName)]]);
    lines.push(p.run ? pyLines(pyCall(`${builder}.add_node`, p.fn, { ...(metadata as Exclude<PyLayout, string>), open: `metadata=${(metadata as Exclude<PyLayout, string>).open}` })) : `# ${p.fn}: left out, nothing uses its output`);
  }
  const running = planned.filter((p) => p.run);
  const blocks = loopBlocks(graph).filter((b) => fnOf.has(b.loop));
  for (const w of wire(graph, running.map((p) => p.node.id), blocks)) {
    if (w.kind === 'edge') {
      if (w.why) lines.push(`# ${w.why}`);
      const from = w.from.length === 1 ? name(w.from[0]!) : pyList(w.from.map(name));
      lines.push(pyLines(pyCall(`${builder}.add_edge`, from, name(w.to))));
      continue;
    }
    const routeKey = planned.find((p) => p.node.id === w.node)!.keys.get('route')!;
    const targets = Object.entries(w.targets).map(([output, ids]): [string, PyLayout] => [pyStr(output), pyList(ids.map(name))]);
    const all = [...new Set(Object.values(w.targets).flat())].map(name);
    if (Object.values(w.targets).some((ids) => ids.length === 0)) all.push('END');
    lines.push(pyLines(pyCall(`${builder}.add_conditional_edges`, name(w.node), pyCall('route_by', pyStr(routeKey), pyDict(targets)), pyList(all))));
  }
  lines.push(`${compiled} = compile_flow(${builder}, FLOW)`);
  return lines.flatMap((l) => l.split('\n'));
}

/**
 * The source files of the nodes run with lfx, one per distinct source:
 * `components/<flow>/<type>.py` (a numbered suffix when one type comes with several sources).
 * Sets each node's `sourceFile`.
 */
function componentFiles(planned: Planned[], moduleId: string): Array<{ path: string; body: string }> {
  const files: Array<{ path: string; source: string; type: string; custom: boolean; nodes: string[] }> = [];
  const taken = new Set<string>();
  for (const p of planned) {
    if (p.gen.template !== COMPONENT_TEMPLATE) continue;
    const source = componentSource(p.node)!;
    let file = files.find((f) => f.source === source);
    if (!file) {
      const stem = uniqueIdent(pyIdent(p.node.type).toLowerCase(), taken, 'component', 40);
      file = { path: `${stem}.py`, source, type: p.node.type, custom: p.node.custom, nodes: [] };
      files.push(file);
    }
    file.nodes.push(p.node.id);
    p.sourceFile = file.path;
  }
  // The second line names the nodes: the Python checker's errors about this file name them too.
  return files.map((f) => ({
    path: `${COMPONENTS_DIR}/${moduleId}/${f.path}`,
    body: [
      `# LangFlow's ${f.type} component${f.custom ? ' (custom: written or edited in LangFlow)' : ''}, as the flow carries it.`,
      `# flowc-nodes: ${f.nodes.join(' ')}`,
      `# Run with lfx by flow_${moduleId}.py.`,
      f.source.endsWith('\n') ? f.source : `${f.source}\n`,
    ].join('\n'),
  }));
}

/** isort's default order of imported names: CONSTANTS, then Classes, then functions. */
function isortOrder(names: string[]): string[] {
  const kind = (n: string) => (/^[A-Z0-9_]+$/.test(n) ? 0 : /^[A-Z]/.test(n) ? 1 : 2);
  return [...names].sort((a, b) => kind(a) - kind(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** True when an edge takes this node's output straight into a Chat or Text Output. */
const feedsOutput = (graph: FlowGraph, id: string): boolean =>
  graph.edges.some((e) => e.source === id && ['ChatOutput', 'TextOutput'].includes(graph.byId.get(e.target)!.type));

export function compileFlow(source: string | Uint8Array, options: CompileOptions): CompileResult {
  const file = options.file;
  const json = parseJson(source, file);
  const graph = buildGraph(normalizeFlow(json, file));
  const warnings: string[] = [];
  checkSupported(graph, options);
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
  const byId = new Map(planned.map((p) => [p.node.id, p]));
  const inputSha256 = sha256(
    [
      layoutFreeJson(json),
      GENERATOR_DIGEST,
      JSON.stringify({ file, slug: options.slug, outputDir, testsDir, secrets: options.secrets ?? 'refuse', customComponents: options.customComponents ?? 'allow' }),
    ].join('\n'),
  );
  const sourceSha256 = sha256(source);
  const header = { source: headerSource(file), inputSha256, sourceSha256, generator: GENERATOR_DIGEST };
  const components = componentFiles(planned.filter((p) => p.run), moduleId);
  const stateLines = stateKeys(planned.filter((p) => p.run));
  let ingestion = ingestionNodes(graph);
  // A flow that only ingests serves its ingestion as the main entry point.
  if (planned.every((p) => ingestion.has(p.node.id))) ingestion = new Set();
  const nodes = planned.filter((p) => p.run).map((p) => renderNode(p, byId, graph, warnings));
  const main = planned.filter((p) => !ingestion.has(p.node.id));
  const ingest = planned.filter((p) => ingestion.has(p.node.id));
  const graphs = [{ comment: "The graph: the flow's edges; a node fed by several waits for all of them.", lines: graphLines(main, graph, 'builder', 'graph') }];
  if (ingest.length > 0) graphs.push({ comment: 'The ingestion sub-graph: served at /<ENDPOINT>/ingest, not on chat turns.', lines: graphLines(ingest, graph, 'ingest_builder', 'ingest_graph') });
  const answers = main.filter((p) => p.run && ANSWERS.has(p.node.type) && feedsOutput(graph, p.node.id)).map((p) => pyStr(p.fn));
  const code = [...nodes, ...stateLines, ...graphs.flatMap((g) => g.lines)].join('\n');
  // A name is used where it is read: not as a string, an attribute or a local being assigned.
  const uses = (name: string) => new RegExp(`(?<![\\w.'"])${name}\\b(?!\\s*=[^=])`).test(code);
  const always = ['ChatFlow', 'FlowInput', 'FlowOutput', 'FlowState', 'compile_flow'];
  const imports = [...RUNTIME_EXPORTS].filter((n) => always.includes(n) || uses(n));
  const flowBody = renderTemplate('flow.py', {
    title: `${name} (LangFlow flow)`,
    file,
    schema_version: graph.schemaVersion,
    description: graph.description.split('\n').map((l) => l.trim()).filter((l) => /[^\s]/.test(l)).slice(0, 5),
    flow_id: flowId,
    slug: options.slug,
    name,
    endpoint,
    uses_os: uses('os'),
    graph_imports: ['END', 'START', 'StateGraph'].filter((n) => n === 'StateGraph' || uses(n)),
    imports: isortOrder(imports),
    state_keys: stateLines,
    nodes,
    graphs,
    runnable: pyLines(pyCall('ChatFlow', 'graph', pyList(answers)), 0, 'runnable = '),
    has_ingest: ingest.length > 0,
    components_dir: components.length > 0 ? `${COMPONENTS_DIR}/${moduleId}` : '',
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

  const files: GeneratedFile[] = [
    { path: flowPath, content: withHeader(flowBody, header) },
    { path: posix.join(flowDir, `runner_${moduleId}.py`), content: withHeader(runnerBody, header) },
    { path: posix.join(testsDir, `test_${moduleId}.py`), content: withHeader(testBody, header) },
    ...components.map((c) => ({ path: posix.join(flowDir, c.path), content: withHeader(c.body, header) })),
    { path: posix.join(flowDir, `flow_${moduleId}.md`), content: withMarkdownHeader(flowDiagram(graph, waysOf(planned)), header) },
  ];
  return { flowId, moduleId, name, endpoint, inputSha256, sourceSha256, files, warnings };
}

/** How each node is compiled, for the flow's diagram. */
function waysOf(planned: Planned[]): Map<string, Way> {
  return new Map(planned.map((p): [string, Way] => [p.node.id, !p.run ? 'not run' : p.gen.template === COMPONENT_TEMPLATE ? 'lfx' : 'flowc']));
}
