/**
 * StructuredOutput: asks a model for objects that match a table-defined schema; returns the
 * first object as Data (several → `{"results": [...]}`), or all of them as a Table.
 */
import { constant, input, str, type NodeGenerator } from './generator.js';
import { modelArgs } from './models.js';
import type { PyValue } from '../python.js';

const DEFAULT_SYSTEM_PROMPT =
  'You are an AI that extracts structured JSON objects from unstructured text. Use a predefined schema with ' +
  'expected types (str, int, float, bool, dict). Extract ALL relevant instances that match the schema - if ' +
  'multiple patterns exist, capture them all. Fill missing or ambiguous values with defaults: null for missing ' +
  'values. Remove exact duplicates but keep variations that have different field values. Always return valid ' +
  'JSON in the expected format, never throw errors. If multiple objects can be extracted, return them all in ' +
  'the structured format.';

export const structuredOutput: NodeGenerator = {
  types: ['StructuredOutput'],
  template: 'nodes/structured_output.py',
  runtime: ['structured'],
  outputs: { structured_output: 'Data', dataframe_output: 'Table' },
  vars(ctx) {
    const schema = constant<PyValue>(ctx, 'output_schema', []);
    const rows: PyValue[] = Array.isArray(schema) ? schema : [];
    if (rows.length === 0) ctx.fail('output_schema', 'the output schema is empty', 'add at least one field');
    const fields = rows.map((row, i) => {
      const r = (row ?? {}) as Record<string, PyValue>;
      if (typeof r.name !== 'string' || !r.name) ctx.fail('output_schema', `schema row ${i + 1} has no name`);
      return { name: r.name, description: String(r.description ?? ''), type: String(r.type ?? 'str'), multiple: String(r.multiple ?? 'False') };
    });
    const edgeModel = ctx.params.get('model') ?? ctx.params.get('llm');
    return {
      built: edgeModel ? null : modelArgs(ctx),
      model_param: edgeModel ?? '',
      input_value: input(ctx, 'input_value'),
      system_prompt: input(ctx, 'system_prompt', DEFAULT_SYSTEM_PROMPT),
      schema_name: str(ctx, 'schema_name'),
      fields,
    };
  },
};
