/**
 * The LangFlow export format as zod sees it (1.0 → 1.10+). Only what the compiler reads is
 * declared; unknown keys are stripped, so new LangFlow fields never break a compile. Shapes that
 * changed across versions (model lists, `œ` handle strings, notes) are accepted as they come and
 * sorted out in normalize.ts.
 */
import * as z from 'zod';

export const SourceHandle = z.object({
  id: z.string(),
  name: z.string().nullish(),
  output_types: z.array(z.string()).nullish(),
  dataType: z.string().nullish(),
});

/** A loop feedback edge has `name` (an output of the loop node) instead of `fieldName`. */
export const TargetHandle = z.object({
  id: z.string(),
  fieldName: z.string().nullish(),
  name: z.string().nullish(),
  inputTypes: z.array(z.string()).nullish(),
  output_types: z.array(z.string()).nullish(),
  type: z.string().nullish(),
});

export const Edge = z.object({
  id: z.string().nullish(),
  source: z.string(),
  target: z.string(),
  sourceHandle: z.string().nullish(),
  targetHandle: z.string().nullish(),
  data: z
    .object({
      sourceHandle: SourceHandle.nullish(),
      targetHandle: TargetHandle.nullish(),
    })
    .nullish(),
});

export const Output = z.object({
  name: z.string(),
  display_name: z.string().nullish(),
  types: z.array(z.string()).nullish(),
  selected: z.string().nullish(),
  method: z.string().nullish(),
  allows_loop: z.boolean().nullish(),
  group_outputs: z.boolean().nullish(),
  tool_mode: z.boolean().nullish(),
});

export const NodeBody = z.object({
  display_name: z.string().nullish(),
  description: z.string().nullish(),
  template: z.record(z.string(), z.unknown()).default({}),
  outputs: z.array(Output).nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.object({ module: z.string().nullish() }).loose().nullish(),
  lf_version: z.string().nullish(),
  tool_mode: z.boolean().nullish(),
  frozen: z.boolean().nullish(),
  edited: z.boolean().nullish(),
});

export const Node = z.object({
  id: z.string(),
  type: z.string().nullish(),
  data: z.object({
    id: z.string().nullish(),
    type: z.string().nullish(),
    display_name: z.string().nullish(),
    selected_output: z.string().nullish(),
    node: NodeBody.nullish(),
  }),
});

export const Flow = z.object({
  id: z.string().nullish(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  endpoint_name: z.string().nullish(),
  last_tested_version: z.string().nullish(),
  data: z.object({
    nodes: z.array(z.unknown()),
    edges: z.array(z.unknown()).nullish(),
  }),
});

/** One template field (`template.<name>`), when it is an object (some entries are plain strings). */
export const Field = z.object({
  type: z.string().nullish(),
  _input_type: z.string().nullish(),
  value: z.unknown().optional(),
  password: z.boolean().nullish(),
  load_from_db: z.boolean().nullish(),
  input_types: z.array(z.string()).nullish(),
  display_name: z.string().nullish(),
  advanced: z.boolean().nullish(),
  show: z.boolean().nullish(),
  list: z.boolean().nullish(),
  tool_mode: z.boolean().nullish(),
});

export type RawFlow = z.infer<typeof Flow>;
export type RawNode = z.infer<typeof Node>;
export type RawEdge = z.infer<typeof Edge>;
export type RawField = z.infer<typeof Field>;
export type RawOutput = z.infer<typeof Output>;
