/**
 * AgentQL: extracts data from a web page with AgentQL's REST API (a query or a prompt, not
 * both); a tool in tool mode. Key from `api_key` or AGENTQL_API_KEY; AGENTQL_API_URL points it
 * at a local stand-in in tests.
 */
import { bool, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const agentql: NodeGenerator = {
  types: ['AgentQL'],
  template: 'nodes/agentql.py',
  runtime: ['web', 'tools'],
  outputs: { data: 'Data', component_as_tool: 'list' },
  vars: (ctx) => ({
    api_key: ctx.secret('api_key', 'AGENTQL_API_KEY'),
    url: input(ctx, 'url'),
    query: input(ctx, 'query'),
    prompt: input(ctx, 'prompt'),
    options: {
      params: {
        mode: str(ctx, 'mode', 'fast') || 'fast',
        wait_for: Math.trunc(num(ctx, 'wait_for') ?? 0),
        is_scroll_to_bottom_enabled: bool(ctx, 'is_scroll_to_bottom_enabled', false),
        is_screenshot_enabled: bool(ctx, 'is_screenshot_enabled', false),
      },
      metadata: { experimental_stealth_mode_enabled: bool(ctx, 'is_stealth_mode_enabled', false) },
      timeout: Math.trunc(num(ctx, 'timeout') ?? 900),
    },
    tools: toolSpecs(ctx, [
      {
        name: 'build_output',
        description: 'Extract data from a web page with AgentQL (a query or a prompt).',
        args: {
          url: { type: 'string', description: 'The page URL.' },
          query: { type: 'string', description: 'An AgentQL query.' },
          prompt: { type: 'string', description: 'Or: what to extract, in words.' },
        },
        status: true,
      },
    ]),
  }),
};
