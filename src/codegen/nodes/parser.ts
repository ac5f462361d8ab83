/** Parser / ParserComponent: rows or items through a `{key}` pattern, or stringified. */
import { bool, input, str, type NodeGenerator } from './generator.js';

export const parser: NodeGenerator = {
  types: ['ParserComponent'],
  template: 'nodes/parser.py',
  outputs: { parsed_text: 'Message' },
  vars: (ctx) => ({
    value: input(ctx, 'input_data', null),
    mode: str(ctx, 'mode', 'Parser') === 'Stringify' ? 'Stringify' : 'Parser',
    pattern: input(ctx, 'pattern', 'Text: {text}'),
    sep: input(ctx, 'sep', '\n'),
    clean_data: bool(ctx, 'clean_data', false),
  }),
};
