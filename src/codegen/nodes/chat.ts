/** ChatInput / ChatOutput: the flow's chat boundary; both write the session's history. */
import { bool, input, str, type NodeGenerator } from './generator.js';

export const chatInput: NodeGenerator = {
  types: ['ChatInput'],
  template: 'nodes/chat_input.py',
  outputs: { message: 'Message' },
  vars: (ctx) => ({
    default: str(ctx, 'input_value'),
    sender: str(ctx, 'sender', 'User') || 'User',
    sender_name: str(ctx, 'sender_name', 'User'),
    session_id: input(ctx, 'session_id'),
    store: bool(ctx, 'should_store_message', true),
  }),
};

export const chatOutput: NodeGenerator = {
  types: ['ChatOutput'],
  template: 'nodes/chat_output.py',
  outputs: { message: 'Message' },
  sink: true,
  vars: (ctx) => ({
    value: input(ctx, 'input_value'),
    sender: str(ctx, 'sender', 'Machine') || 'Machine',
    sender_name: input(ctx, 'sender_name', 'AI'),
    session_id: input(ctx, 'session_id'),
    store: bool(ctx, 'should_store_message', true),
    clean_data: bool(ctx, 'clean_data', true),
  }),
};
