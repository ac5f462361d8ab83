/** TextInput / TextOutput: plain text in and out (no chat history). */
import { input, str, type NodeGenerator } from './generator.js';

export const textInput: NodeGenerator = {
  types: ['TextInput'],
  template: 'nodes/text_input.py',
  outputs: { text: 'Message' },
  vars: (ctx) => ({
    text: str(ctx, 'input_value'),
    // A flow without a ChatInput takes the run's input_value here instead.
    from_run: !ctx.graph.nodes.some((n) => n.type === 'ChatInput'),
  }),
};

export const textOutput: NodeGenerator = {
  types: ['TextOutput'],
  template: 'nodes/text_output.py',
  outputs: { text: 'Message' },
  sink: true,
  vars: (ctx) => ({ value: input(ctx, 'input_value') }),
};
