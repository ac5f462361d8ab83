/**
 * Tool-mode plumbing: a component with `tool_mode` exposes `component_as_tool`, a list of
 * LangChain tools named and described by the node's `tools_metadata` (LangFlow's editable
 * tool table). The component's own function(s) do the work.
 */
import type { PyValue } from '../python.js';
import { constant, type GenContext } from './generator.js';

export interface ToolSpec {
  name: string;
  description: string;
  args: PyValue;
  status: boolean;
}

/** `tools_metadata` rows (or `fallback` when the export has none), in the component's tool order. */
export function toolSpecs(ctx: GenContext, fallback: ToolSpec[]): ToolSpec[] {
  const rows = constant<PyValue>(ctx, 'tools_metadata', []);
  if (!Array.isArray(rows) || rows.length === 0) return fallback;
  return fallback.map((f, i) => {
    const r = (rows[i] ?? {}) as Record<string, PyValue>;
    return {
      name: typeof r.name === 'string' && r.name ? r.name : f.name,
      description: typeof r.description === 'string' && r.description ? r.description : f.description,
      args: r.args && typeof r.args === 'object' ? r.args : f.args,
      status: r.status !== false,
    };
  });
}
