/**
 * The long tail: a node with no hand-written generator is compiled from its own source, which
 * every LangFlow export carries (`template.code.value`), and run with LangFlow's component library
 * (`lfx`), so it behaves as it does in LangFlow by construction. The source becomes a file of its
 * own beside the flow (`components/<flow>/<name>.py`, reviewable in the build commit, scanned by
 * the secret guard); the node function builds the component with the node's values (constants,
 * what its edges bring, secrets from the environment) and calls the method behind each output it
 * uses (`to_toolkit` for tool mode). Custom components (code written or edited in LangFlow) work
 * the same way unless `custom_components: refuse`.
 */
import type { IrNode } from '../../langflow/index.js';
import type { Arg } from '../render.js';
import { PY_KEYWORDS, type PyValue } from '../python.js';
import type { GenContext, NodeGenerator } from './generator.js';

/** Fields that configure LangFlow's editor, not the component. */
const NOT_PARAMS = new Set(['code', '_type', '_frontend_node_flow_id', '_frontend_node_folder_id']);

/** The component's source, or undefined when the export carries none (no class in its code). */
export function componentSource(node: IrNode): string | undefined {
  const code = node.fields.code?.value;
  return typeof code === 'string' && /^class\s+\w+/m.test(code) ? code : undefined;
}

/** A generator for one node run from its source: its outputs are the node's own. */
export function componentGenerator(node: IrNode): NodeGenerator {
  return {
    types: [node.type],
    template: COMPONENT_TEMPLATE,
    runtime: ['components'],
    outputs: Object.fromEntries(node.outputs.map((o) => [o.name, o.name === 'component_as_tool' ? 'list' : 'Any'])),
    // Run even when nothing reads it, as LangFlow runs every node: it may act (write, send).
    sink: true,
    vars: (ctx) => componentVars(ctx),
  };
}

/**
 * LangFlow components that work only inside LangFlow's own server: they read its database (users,
 * the MCP server registry), which a compiled flow does not have. (Knowledge and memory bases are
 * flowc's own: nodes/knowledge.ts.)
 */
/** The template of every node run from its own LangFlow source (so a diagram can tell them apart). */
export const COMPONENT_TEMPLATE = 'nodes/component.py';

const SERVER_ONLY: Readonly<Record<string, string>> = {
  MCPTools: 'it reads the MCP servers registered in LangFlow\'s database',
};

/** Why this node cannot run outside LangFlow's server, or undefined. */
export function needsServer(node: IrNode): { field: string; why: string; hint: string } | undefined {
  if (node.custom || !SERVER_ONLY[node.type]) return undefined;
  const hint = 'run this flow in LangFlow, or replace the node with one that needs no LangFlow server';
  if (node.type === 'MCPTools' && !('mcp_server' in node.fields)) {
    // LangFlow ≤1.5: the node starts or connects to its MCP server itself.
    const mode = String(node.fields.mode?.value ?? '');
    const field = /sse|http/i.test(mode) ? 'sse_url' : 'command';
    return { field, why: `${node.displayName} connects to an MCP server of its own, which a compiled flow does not do`, hint: 'run this flow in LangFlow, or give the agent other tools' };
  }
  // No server chosen: LangFlow's MCP Tools gives the agent no tools, without reading the registry.
  if (node.type === 'MCPTools' && !mcpServerName(node.fields.mcp_server?.value)) return undefined;
  return { field: 'code', why: `${node.displayName} needs LangFlow's own server (${SERVER_ONLY[node.type]}), which a compiled flow does not have`, hint };
}

const mcpServerName = (value: unknown): unknown => (value && typeof value === 'object' && !Array.isArray(value) ? (value as { name?: unknown }).name : value);

function componentVars(ctx: GenContext): Record<string, unknown> {
  const { node } = ctx;
  const params: Array<{ name: string; arg: Arg }> = [];
  for (const [name, binding] of Object.entries(node.inputs)) {
    if (NOT_PARAMS.has(name)) continue;
    if (binding.kind === 'edge' || binding.kind === 'edges') {
      const param = ctx.params.get(name)!;
      // A list input collects its edges as LangFlow does: list results extended, others appended.
      const list = node.fields[name]?.list;
      params.push({ name, arg: { param: !list ? param : binding.kind === 'edge' ? `edge_list(${param})` : `edge_list(*${param})` } });
    }
    else if (binding.kind === 'global') params.push({ name, arg: { envText: binding.env } });
    else if (binding.kind === 'secret') {
      const env = ctx.secret(name, null);
      params.push({ name, arg: env ?? { value: '' } });
    } else params.push({ name, arg: { value: (binding.value ?? null) as PyValue } });
  }
  for (const out of node.usedOutputs) {
    // The output's name is the node function's local (black keeps it; the state key derives from it).
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(out) || PY_KEYWORDS.has(out) || out === 'component' || out === 'state') {
      ctx.fail(undefined, `output "${out}" is not a name flowc can give a Python value`, 'rename the output in the component\'s code');
    }
    if (!node.outputs.find((o) => o.name === out)?.method) {
      ctx.fail(undefined, `output "${out}" names no method of the component, so flowc cannot call it`, 'export the flow again from LangFlow 1.0 or later');
    }
  }
  const methods = Object.fromEntries(node.outputs.filter((o) => o.method).map((o) => [o.name, o.method!]));
  return { params, methods, source_file: ctx.sourceFile ?? '' };
}
