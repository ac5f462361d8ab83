/**
 * What a flow's generated smoke test expects. The fake chat model answers every call with one
 * text: the sentinel itself, or (when the flow has StructuredOutput nodes) JSON whose string
 * fields are the sentinel. An output fed straight by a model's text must equal that answer;
 * one further down must still carry the sentinel; one with no model upstream must be non-empty.
 */
import type { FlowGraph, IrNode } from '../langflow/index.js';
import type { NodeGenerator } from './nodes/index.js';
import { ingests } from './entries.js';
import { ingestsKnowledge, knowledgeBaseName } from './nodes/knowledge.js';
import { belowRouters } from './routing.js';

export const SENTINEL = 'flowc smoke answer';

interface PlannedLike {
  node: IrNode;
  gen: NodeGenerator;
  run: boolean;
  usesModel: boolean;
  secretEnvs: string[];
}

const MODEL_TEXT = new Set(['LanguageModelComponent', 'OpenAIModel', 'AnthropicModel', 'GoogleGenerativeAIModel', 'OllamaModel']);
const QUERIES = new Set(['search_query', 'lexical_terms']);
const SAMPLE: Record<string, unknown> = { str: SENTINEL, int: 1, float: 1.5, bool: true, dict: {} };

/** `ingestion`: nodes of the ingestion entry point (run first, by the test, to fill the stores). */
export function smokeExpectations(graph: FlowGraph, planned: PlannedLike[], ingestion: ReadonlySet<string> = new Set()) {
  const byId = new Map(planned.map((p) => [p.node.id, p]));
  const row: Record<string, unknown> = {};
  let structuredHasText = false;
  // StructuredOutput and an Agent's structured response ask the model for records of a schema table.
  const structured = (p: PlannedLike) => p.node.type === 'StructuredOutput' || (p.node.type === 'Agent' && p.node.usedOutputs.includes('structured_response'));
  for (const p of planned) {
    if (!structured(p)) continue;
    const schema = p.node.inputs.output_schema;
    const rows = schema?.kind === 'const' && Array.isArray(schema.value) ? (schema.value as Array<Record<string, unknown>>) : [];
    for (const r of rows) {
      const type = String(r.type ?? 'str');
      const value = SAMPLE[type] ?? SENTINEL;
      if (type === 'str') structuredHasText = true;
      row[String(r.name)] = String(r.multiple ?? 'False').toLowerCase() === 'true' ? [value] : value;
    }
  }
  const hasStructured = planned.some(structured);
  const fakeAnswer = hasStructured ? JSON.stringify({ objects: [row] }) : SENTINEL;

  // A store's query picks documents; none of its text reaches the store's results.
  const carriesText = (e: { target: string; targetField: string | null }) => !(QUERIES.has(e.targetField ?? '') && byId.get(e.target)?.gen.runtime?.includes('vectors'));
  const upstream = (id: string, seen = new Set<string>()): Set<string> => {
    for (const e of graph.edges) {
      if (e.target === id && !seen.has(e.source) && carriesText(e)) {
        seen.add(e.source);
        upstream(e.source, seen);
      }
    }
    return seen;
  };
  const expected: Record<string, string> = {};
  const routedAway = belowRouters(graph);
  for (const p of planned) {
    if (!p.run || ingestion.has(p.node.id)) continue;
    // A flow that only ingests shows what each store took in.
    if (ingests(p.node)) expected[p.node.id] = 'nonempty';
    if (p.node.type !== 'ChatOutput' && p.node.type !== 'TextOutput') continue;
    const feed = p.node.inputs.input_value;
    const source = feed?.kind === 'edge' ? graph.byId.get(feed.source)! : undefined;
    const direct = feed?.kind === 'edge' && ((MODEL_TEXT.has(source!.type) && feed.output === 'text_output') || (source!.type === 'Agent' && feed.output === 'response'));
    const above = [...upstream(p.node.id)].map((id) => byId.get(id)!);
    const modelAbove = above.some((u) => u.usesModel);
    const structuredAbove = above.some(structured);
    expected[p.node.id] = routedAway.has(p.node.id)
      ? 'routed'
      : direct
        ? 'equals'
        : modelAbove && (!structuredAbove || structuredHasText)
          ? 'contains'
          : 'nonempty';
  }
  const modelNodes = planned.filter((p) => p.run && p.usesModel).map((p) => p.node.id).sort();
  const requiredModels = modelNodes.filter((id) => !routedAway.has(id));
  // Only an agent that has a tool must have called one (LangFlow's agents may have none).
  const agents = planned.some((p) => p.run && p.node.type === 'Agent' && agentHasTools(p.node));
  // A URL node whose page (not tool) output feeds a model: the fake must have seen the page.
  const pages = planned.some(
    (p) => p.run && p.node.type === 'URLComponent' && p.node.usedOutputs.some((o) => o !== 'component_as_tool') && modelNodes.length > 0,
  );
  const files = planned.some((p) => p.run && p.node.type === 'File');
  const saves = planned.some((p) => p.run && p.node.type === 'SaveToFile');
  const transcribes = planned.some((p) => p.run && (p.node.type === 'AssemblyAITranscriptionJobPoller' || p.node.type === 'AssemblyAITranscriber')) && modelNodes.length > 0;
  const secretEnv = [...new Set(planned.filter((p) => p.run).flatMap((p) => p.secretEnvs))].sort();
  const ingest = ingestion.size > 0;
  // Knowledge bases the flow reads but does not fill: the test fills them with the stand-in document.
  const bases = (ingesting: boolean) =>
    new Set(planned.filter((p) => p.run && p.gen.template === 'nodes/knowledge.py' && ingestsKnowledge(p.node) === ingesting).map((p) => knowledgeBaseName(p.node)!));
  const filled = bases(true);
  const knowledge = [...bases(false)].filter((name) => !filled.has(name)).sort();
  return { ingest, knowledge, fake_answer: fakeAnswer, sentinel: SENTINEL, expected, model_nodes: modelNodes, required_models: requiredModels, agents, pages, files, saves, transcribes, secret_env: secretEnv };
}

/** An Agent is given tools by an edge into `tools`, or by its date/calculator switches (date on unless set off). */
function agentHasTools(node: IrNode): boolean {
  const tools = node.inputs.tools;
  if (tools && tools.kind !== 'const') return true;
  const on = (field: string, fallback: boolean) => {
    const b = node.inputs[field];
    const v = b?.kind === 'const' ? b.value : undefined;
    return typeof v === 'boolean' ? v : typeof v === 'string' ? v.toLowerCase() === 'true' : fallback;
  };
  return on('add_current_date_tool', true) || on('add_calculator_tool', false);
}
