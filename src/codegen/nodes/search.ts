/**
 * Search services: ArXivComponent (arXiv's Atom API; ARXIV_API_URL) and SearchComponent
 * (SearchApi.io; SEARCHAPI_API_URL, key from `api_key` or SEARCHAPI_API_KEY). Rows as a Table;
 * tools in tool mode.
 */
import type { PyValue } from '../python.js';
import { constant, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const arxiv: NodeGenerator = {
  types: ['ArXivComponent'],
  template: 'nodes/arxiv.py',
  runtime: ['web', 'tools'],
  outputs: { dataframe: 'Table', component_as_tool: 'list' },
  vars: (ctx) => ({
    query: input(ctx, 'search_query'),
    search_type: str(ctx, 'search_type', 'all') || 'all',
    max_results: Math.trunc(num(ctx, 'max_results') ?? 10),
    tools: toolSpecs(ctx, [
      {
        name: 'search_papers_dataframe',
        description: 'Search arXiv papers.',
        args: { search_query: { type: 'string', description: 'What to search for.' } },
        status: true,
      },
    ]),
  }),
};

export const searchApi: NodeGenerator = {
  types: ['SearchComponent'],
  template: 'nodes/searchapi.py',
  runtime: ['web', 'tools'],
  outputs: { dataframe: 'Table', component_as_tool: 'list' },
  vars(ctx) {
    const params = constant<PyValue>(ctx, 'search_params', {});
    return {
      api_key: ctx.secret('api_key', 'SEARCHAPI_API_KEY'),
      engine: str(ctx, 'engine', 'google') || 'google',
      query: input(ctx, 'input_value'),
      options: {
        max_results: Math.trunc(num(ctx, 'max_results') ?? 5),
        max_snippet_length: Math.trunc(num(ctx, 'max_snippet_length') ?? 100),
        search_params: params && typeof params === 'object' && !Array.isArray(params) ? params : {},
      },
      tools: toolSpecs(ctx, [
        {
          name: 'search',
          description: 'Search the web with SearchApi.',
          args: { input_value: { type: 'string', description: 'The search query.' } },
          status: true,
        },
      ]),
    };
  },
};
