/**
 * ScrapeGraphSearchApi: ScrapeGraph's SearchScraper (an AI web search for a prompt) over its
 * REST API; a tool in tool mode. Key from `api_key` or SCRAPEGRAPH_API_KEY; SCRAPEGRAPH_API_URL
 * points it at a local stand-in in tests.
 */
import { input, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const scrapeGraphSearch: NodeGenerator = {
  types: ['ScrapeGraphSearchApi'],
  template: 'nodes/scrapegraph.py',
  runtime: ['services', 'tools'],
  outputs: { data: 'Data', component_as_tool: 'list' },
  vars: (ctx) => ({
    api_key: ctx.secret('api_key', 'SCRAPEGRAPH_API_KEY'),
    user_prompt: input(ctx, 'user_prompt'),
    tools: toolSpecs(ctx, [
      {
        name: 'search',
        description: 'ScrapeGraph Search API: search results for a prompt.',
        args: { user_prompt: { type: 'string', description: 'The search prompt to use.' } },
        status: true,
      },
    ]),
  }),
};
