/**
 * Agent: a tool-calling agent (langchain `create_agent`) with the system prompt (its
 * {current_date}/{model_name}/{optional_user_context} placeholders filled), the session's chat
 * history, the tools wired into `tools`, the optional date and calculator tools, and
 * `max_iterations` as the step limit.
 */
import { bool, input, num, type NodeGenerator } from './generator.js';
import { modelArgs } from './models.js';

export const agent: NodeGenerator = {
  types: ['Agent'],
  template: 'nodes/agent.py',
  outputs: { response: 'Message' },
  vars(ctx) {
    const edgeModel = ctx.params.get('model') ?? ctx.params.get('agent_llm');
    const built = edgeModel ? null : modelArgs(ctx);
    return {
      built,
      model_param: edgeModel ?? '',
      model_name: built?.model ?? '',
      tools: input(ctx, 'tools', []),
      system_prompt: input(ctx, 'system_prompt'),
      input_value: input(ctx, 'input_value'),
      n_messages: Math.trunc(num(ctx, 'n_messages') ?? 100),
      max_iterations: Math.trunc(num(ctx, 'max_iterations') ?? 15),
      add_current_date: bool(ctx, 'add_current_date_tool', true),
      add_calculator: bool(ctx, 'add_calculator_tool', false),
    };
  },
};
