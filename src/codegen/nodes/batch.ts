/**
 * Row-wise processing: BatchRunComponent (the model once per row, its answer added as a column)
 * and SplitText (texts cut into overlapping chunks, one row per chunk).
 */
import { bool, input, num, str, type NodeGenerator } from './generator.js';
import { modelArgs } from './models.js';

export const batchRun: NodeGenerator = {
  types: ['BatchRunComponent'],
  template: 'nodes/batch_run.py',
  runtime: ['batch'],
  outputs: { batch_results: 'Table' },
  vars(ctx) {
    const edgeModel = ctx.params.get('model');
    return {
      built: edgeModel ? null : modelArgs(ctx),
      model_param: edgeModel ?? '',
      table: input(ctx, 'df', []),
      column_name: input(ctx, 'column_name'),
      system_message: input(ctx, 'system_message'),
      output_column: str(ctx, 'output_column_name', 'model_response') || 'model_response',
      enable_metadata: bool(ctx, 'enable_metadata', false),
    };
  },
};

export const splitText: NodeGenerator = {
  types: ['SplitText'],
  template: 'nodes/split_text.py',
  runtime: ['batch'],
  outputs: { dataframe: 'Table', chunks: 'Table' },
  vars(ctx) {
    const size = Math.trunc(num(ctx, 'chunk_size') ?? 1000);
    const overlap = Math.trunc(num(ctx, 'chunk_overlap') ?? 200);
    if (size <= 0 || overlap < 0 || overlap > size) ctx.fail('chunk_overlap', `chunk size ${size} and overlap ${overlap} do not fit (0 ≤ overlap ≤ size)`);
    return {
      value: input(ctx, 'data_inputs', []),
      chunk_size: size,
      chunk_overlap: overlap,
      separator: str(ctx, 'separator', '\n'),
      keep_separator: str(ctx, 'keep_separator', 'False') || 'False',
      text_key: str(ctx, 'text_key', 'text') || 'text',
    };
  },
};
