/**
 * Agent: a tool-calling agent (langchain `create_agent`) with the system prompt (its
 * {current_date}/{model_name}/{optional_user_context} placeholders filled), the session's chat
 * history, the tools wired into `tools`, the optional date and calculator tools, and
 * `max_iterations` as the step limit. In tool mode the agent is another agent's tool.
 */
import { bool, input, num, str, type GenContext, type NodeGenerator } from './generator.js';
import { modelArgs } from './models.js';
import { toolSpecs } from './tools.js';

/**
 * How this release's Agent fills {current_date}, read from its own source: 1.13 a date, 1.10 a
 * UTC timestamp; '' when its source has no placeholders at all (≤1.8: the prompt is sent as is).
 */
function dateFormat(source: string): string {
  // No component source (a hand-made export): today's behaviour.
  if (!/^class\s+\w+/m.test(source) || /\.date\(\)\.isoformat\(\)/.test(source)) return '%Y-%m-%d';
  if (!source.includes('{current_date}')) return '';
  return '%Y-%m-%d %H:%M:%S UTC';
}

const sourceOf = (ctx: GenContext): string => {
  const code = ctx.node.fields.code?.value;
  return typeof code === 'string' ? code : '';
};

export const agent: NodeGenerator = {
  types: ['Agent'],
  template: 'nodes/agent.py',
  runtime: ['tools'],
  outputs: { response: 'Message', component_as_tool: 'list' },
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
      retry_tools: bool(ctx, 'handle_parsing_errors', true),
      date_format: dateFormat(sourceOf(ctx)),
      add_current_date: bool(ctx, 'add_current_date_tool', true),
      add_calculator: bool(ctx, 'add_calculator_tool', false),
      // As another agent's tool (tool mode): the calling agent sends the task as input_value.
      tool_specs: toolSpecs(ctx, [
        {
          name: 'ask_agent',
          description: str(ctx, 'agent_description') || `${ctx.node.displayName}: give it a task and it answers.`,
          args: { input_value: { type: 'string', description: 'The task or question for the agent.' } },
          status: true,
        },
      ]),
    };
  },
};
