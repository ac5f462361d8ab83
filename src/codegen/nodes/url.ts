/**
 * URL / URLComponent: fetches pages (depth 1) as a Table of rows or their joined text; a tool in
 * tool mode. FLOWC_URL_BASE (run time) replaces scheme and host, so tests use a local stand-in.
 */
import { bool, constant, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';
import type { PyValue } from '../python.js';

export const url: NodeGenerator = {
  types: ['URLComponent'],
  template: 'nodes/url.py',
  runtime: ['web', 'tools'],
  outputs: { page_results: 'Table', raw_results: 'Message', component_as_tool: 'list' },
  vars(ctx) {
    const depth = num(ctx, 'max_depth') ?? 1;
    if (depth > 1) ctx.warn('max_depth', `crawling depth ${depth} is not supported: only the given pages are fetched`);
    const headers = constant<PyValue>(ctx, 'headers', []);
    return {
      urls: input(ctx, 'urls', []),
      timeout: num(ctx, 'timeout') ?? 30,
      headers: Array.isArray(headers) ? headers : [],
      as_text: str(ctx, 'format', 'Text') !== 'HTML' && bool(ctx, 'filter_text_html', true),
      tools: toolSpecs(ctx, [
        {
          name: 'fetch_content',
          description: 'Fetch content from one or more web pages.',
          args: { urls: { type: 'array', items: { type: 'string' }, description: 'The URLs to fetch.' } },
          status: true,
        },
      ]),
    };
  },
};
