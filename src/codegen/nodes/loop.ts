/**
 * LoopComponent: each pass files the body's last result and moves to the next item of `data`
 * (`loop_progress`); the graph routes to the body (`item`) or on (`done`). See src/codegen/wiring.ts.
 */
import { input, type NodeGenerator } from './generator.js';

export const loop: NodeGenerator = {
  types: ['LoopComponent'],
  template: 'nodes/loop.py',
  runtime: ['control'],
  outputs: { item: 'Data', done: 'Table' },
  vars: (ctx) => ({ data: input(ctx, 'data', []) }),
};
