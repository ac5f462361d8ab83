/**
 * APIRequest (URL mode): one HTTP request, the reply as Data; a tool in tool mode (the agent
 * supplies `url_input`). cURL mode is refused. FLOWC_URL_BASE points it at a local stand-in.
 */
import type { PyValue } from '../python.js';
import { bool, constant, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const apiRequest: NodeGenerator = {
  types: ['APIRequest'],
  template: 'nodes/api_request.py',
  runtime: ['web', 'tools'],
  outputs: { data: 'Data', component_as_tool: 'list' },
  vars(ctx) {
    if (str(ctx, 'mode', 'URL') !== 'URL') ctx.fail('mode', 'only URL mode is supported', 'switch the node to URL mode');
    const table = (field: string) => {
      const v = constant<PyValue>(ctx, field, []);
      return Array.isArray(v) || (v !== null && typeof v === 'object') ? v : [];
    };
    return {
      url: input(ctx, 'url_input'),
      method: str(ctx, 'method', 'GET') || 'GET',
      headers: table('headers'),
      body: table('body'),
      query_params: table('query_params'),
      timeout: num(ctx, 'timeout') ?? 5,
      follow_redirects: bool(ctx, 'follow_redirects', true),
      tools: toolSpecs(ctx, [
        {
          name: 'make_api_request',
          description: 'Make an HTTP request to a URL.',
          args: { url_input: { type: 'string', description: 'Enter the URL for the request.' } },
          status: true,
        },
      ]),
    };
  },
};
