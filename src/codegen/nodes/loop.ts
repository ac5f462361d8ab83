/**
 * LoopComponent: its `data` as items; run_flow runs the loop body (the nodes between `item` and
 * the edge back into it) once per item and collects each result into `done` (a Table).
 * See src/codegen/loops.ts.
 */
import { input, type NodeGenerator } from './generator.js';

export const loop: NodeGenerator = {
  types: ['LoopComponent'],
  template: 'nodes/loop.py',
  runtime: ['control'],
  outputs: { item: 'Data', done: 'Table' },
  returns: 'list[Data]',
  vars: (ctx) => ({ data: input(ctx, 'data', []) }),
};
