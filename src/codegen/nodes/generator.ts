/**
 * What one component family contributes to a compiled flow. A generator is a plain object:
 * the LangFlow types it handles, its template (`templates/nodes/<name>.py.liquid`), the outputs
 * it can compute (with the Python type of each) and `vars`, which turns one IR node into the
 * template's variables. Adding a component = one module here + one template + one test
 * (docs/compiler.md, "Adding a component").
 */
import type { FlowGraph, IrNode } from '../../langflow/index.js';
import type { Arg } from '../render.js';
import type { PyValue } from '../python.js';

export interface GenContext {
  graph: FlowGraph;
  node: IrNode;
  /** Python parameter name of each edge-fed field of the node function. */
  params: ReadonlyMap<string, string>;
  /** Record a non-fatal note, naming this node (and field). */
  warn(field: string | undefined, message: string): void;
  /** Refuse the flow: a FlowcError naming file, node and field. */
  fail(field: string | undefined, message: string, hint?: string): never;
  /** Mark that this node builds its model through `make_chat_model` (the smoke test swaps it). */
  usesModel(): void;
  /** Secret field → env reference; `defaultEnv` is the provider's conventional variable. */
  secret(field: string, defaultEnv: string | null): Arg | null;
  /** A node run from its own source (nodes/component.ts): that source's file, relative to the flow module. */
  sourceFile?: string;
}

export interface NodeGenerator {
  /** Canonical LangFlow types (see langflow/aliases.ts). */
  types: readonly string[];
  /** Template under templates/, without `.liquid`, e.g. `nodes/prompt.py`. */
  template: string;
  /** Outputs it computes → Python type returned (`Message`, `Data`, `Table`, `Any`). */
  outputs: Readonly<Record<string, string>>;
  /** Runs even when no edge uses its outputs (it shows or stores something). */
  sink?: boolean | ((node: IrNode) => boolean);
  /**
   * Runtime helper sections it needs besides `core` (templates/partials/runtime/<name>.py.liquid);
   * a flow module includes only the sections its nodes use.
   */
  runtime?: readonly string[];
  /** Template variables for one node. */
  vars(ctx: GenContext): Record<string, unknown>;
}

/** A field as an argument: the edge's parameter when an edge feeds it, else its value. */
export function input(ctx: GenContext, field: string, fallback: PyValue = ''): Arg {
  const param = ctx.params.get(field);
  if (param) return { param };
  const binding = ctx.node.inputs[field];
  if (binding?.kind === 'global') return { envText: binding.env };
  return { value: constant(ctx, field, fallback) };
}

/** A field's constant value (edges ignored), `fallback` when absent or null. */
export function constant<T extends PyValue>(ctx: GenContext, field: string, fallback: T): T {
  const binding = ctx.node.inputs[field];
  if (binding?.kind === 'global') {
    // Baked in at compile time, so the variable cannot be read later: say so rather than use its name.
    ctx.warn(field, `reads LangFlow global variable ${binding.env}, which flowc cannot read for this field: it is treated as unset (set the value itself in LangFlow)`);
    return fallback;
  }
  if (!binding || binding.kind !== 'const' || binding.value === undefined || binding.value === null) return fallback;
  return binding.value as T;
}

export const str = (ctx: GenContext, field: string, fallback = ''): string => {
  const v = constant<PyValue>(ctx, field, fallback);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;
};

export const bool = (ctx: GenContext, field: string, fallback: boolean): boolean => {
  const v = constant<PyValue>(ctx, field, fallback);
  return typeof v === 'boolean' ? v : typeof v === 'string' ? v.toLowerCase() === 'true' : fallback;
};

export const num = (ctx: GenContext, field: string): number | null => {
  const v = constant<PyValue>(ctx, field, null);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
