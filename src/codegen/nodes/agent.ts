/**
 * Agent: a tool-calling agent (langchain `create_agent`) with the system prompt (its
 * {current_date}/{model_name}/{optional_user_context} placeholders filled), the session's chat
 * history, the tools wired into `tools`, the optional date and calculator tools, and
 * `max_iterations` as the step limit. In tool mode the agent is another agent's tool. Its
 * structured response (LangFlow ≥1.10) asks for records matching `output_schema`: the model's own
 * structured output when the agent has no tools, else the agent's answer with the schema in its
 * system prompt (runtime: agent_structured_response).
 */
import { bool, constant, input, num, str, type GenContext, type NodeGenerator } from './generator.js';
import { modelArgs } from './models.js';
import { toolSpecs } from './tools.js';
import type { PyValue } from '../python.js';

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

/** LangFlow's names for a schema row's type (anything else makes the structured response an error). */
const SCHEMA_TYPES = new Set(['str', 'text', 'int', 'float', 'number', 'bool', 'boolean', 'list', 'dict']);

/**
 * The `output_schema` table of the structured response, its rows as exported (the runtime reads
 * them as LangFlow does). Only when the flow uses that output: otherwise the table is unused.
 */
function outputSchema(ctx: GenContext): PyValue[] {
  if (!ctx.node.usedOutputs.includes('structured_response')) return [];
  const source = sourceOf(ctx);
  // Before 1.10 the Agent asked for JSON differently (always through the agent, another prompt).
  if (/def json_response/.test(source) && !source.includes('orchestrate_structured_output')) {
    ctx.fail(
      'code',
      "this release's Agent builds its structured response in a way flowc does not compile (flowc compiles LangFlow 1.10's and later)",
      'use the Response output, or re-export the flow from LangFlow 1.10 or later',
    );
  }
  const table = constant<PyValue>(ctx, 'output_schema', []);
  if (!Array.isArray(table)) ctx.fail('output_schema', 'the output schema is not a table', 'set the Output Schema in LangFlow again and export the flow');
  return table.map((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      ctx.fail('output_schema', `schema row ${i + 1} is not a row of the table`, 'set the Output Schema in LangFlow again and export the flow');
    }
    const type = 'type' in row ? row.type : 'str';
    if (typeof type !== 'string' || !SCHEMA_TYPES.has(type)) {
      ctx.warn('output_schema', `schema row ${i + 1} has type ${JSON.stringify(type)}, which LangFlow does not know: the structured response is an error (use str, int, float, bool or dict)`);
    }
    return row;
  });
}

const sourceOf = (ctx: GenContext): string => {
  const code = ctx.node.fields.code?.value;
  return typeof code === 'string' ? code : '';
};

export const agent: NodeGenerator = {
  types: ['Agent'],
  template: 'nodes/agent.py',
  runtime: ['tools', 'structured'],
  outputs: { response: 'Message', component_as_tool: 'list', structured_response: 'Data' },
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
      output_schema: outputSchema(ctx),
      format_instructions: input(ctx, 'format_instructions'),
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
