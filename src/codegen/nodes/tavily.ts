/**
 * TavilySearchComponent: web search through Tavily's API (rows of title/url/content, plus the
 * answer); a tool in tool mode. The key comes from `api_key` (load_from_db) or TAVILY_API_KEY;
 * TAVILY_API_URL points it at a local stand-in in tests.
 */
import { bool, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const tavily: NodeGenerator = {
  types: ['TavilySearchComponent'],
  template: 'nodes/tavily.py',
  runtime: ['web', 'tools'],
  outputs: { dataframe: 'Table', component_as_tool: 'list' },
  vars(ctx) {
    const options: Record<string, string | number | boolean | null> = {
      search_depth: str(ctx, 'search_depth', 'basic'),
      topic: str(ctx, 'topic', 'general'),
      max_results: num(ctx, 'max_results') ?? 5,
      include_answer: bool(ctx, 'include_answer', true),
      include_images: bool(ctx, 'include_images', false),
      include_raw_content: bool(ctx, 'include_raw_content', false),
      include_domains: str(ctx, 'include_domains'),
      exclude_domains: str(ctx, 'exclude_domains'),
      time_range: str(ctx, 'time_range') || null,
    };
    if (options.topic === 'news') options.days = num(ctx, 'days') ?? 7;
    if (options.search_depth === 'advanced') options.chunks_per_source = num(ctx, 'chunks_per_source') ?? 3;
    return {
      api_key: ctx.secret('api_key', 'TAVILY_API_KEY'),
      query: input(ctx, 'query'),
      options,
      tools: toolSpecs(ctx, [
        {
          name: 'fetch_content_dataframe',
          description: 'Tavily Search: a search engine optimized for LLMs and RAG.',
          args: { query: { type: 'string', description: 'The search query you want to execute with Tavily.' } },
          status: true,
        },
      ]),
    };
  },
};
