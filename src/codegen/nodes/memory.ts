/**
 * Memory (Message History): reads the session's chat history that ChatInput/ChatOutput wrote
 * (Retrieve), or stores a message into it (Store). External memories are not supported.
 */
import type { IrNode } from '../../langflow/index.js';
import { input, num, str, type NodeGenerator } from './generator.js';

const isStore = (node: IrNode) => {
  const mode = node.inputs.mode;
  return mode?.kind === 'const' && mode.value === 'Store';
};

export const memory: NodeGenerator = {
  types: ['Memory'],
  template: 'nodes/memory.py',
  outputs: { messages_text: 'Message', dataframe: 'Table', messages: 'Table', stored_messages: 'Message' },
  // A Store node is shown nowhere but still has to run.
  sink: (node) => isStore(node),
  vars(ctx) {
    if (ctx.params.has('memory')) {
      ctx.fail('memory', 'an external memory is not supported', 'disconnect it: flowc keeps the session history itself');
    }
    const mode = isStore(ctx.node) ? 'Store' : 'Retrieve';
    return {
      mode,
      message: input(ctx, 'message'),
      session_id: input(ctx, 'session_id'),
      sender: str(ctx, 'sender', 'Machine'),
      sender_type: str(ctx, 'sender_type', 'Machine and User') || str(ctx, 'sender', 'Machine and User'),
      sender_name: input(ctx, 'sender_name'),
      n_messages: Math.trunc(num(ctx, 'n_messages') ?? 100),
      order: str(ctx, 'order', 'Ascending'),
      template: input(ctx, 'template', '{sender_name}: {text}'),
    };
  },
};
