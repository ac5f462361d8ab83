/**
 * ConditionalRouter (If-Else): compares a text and routes it to `true_result` or
 * `false_result`. The graph follows only the taken branch (a conditional edge, src/codegen/wiring.ts):
 * nothing below the other one runs.
 */
import { bool, input, str, type NodeGenerator } from './generator.js';

export const conditionalRouter: NodeGenerator = {
  types: ['ConditionalRouter'],
  template: 'nodes/router.py',
  runtime: ['control'],
  outputs: { true_result: 'Any', false_result: 'Any' },
  vars: (ctx) => ({
    input_text: input(ctx, 'input_text'),
    operator: str(ctx, 'operator', 'equals') || 'equals',
    match_text: input(ctx, 'match_text'),
    case_sensitive: bool(ctx, 'case_sensitive', true),
    true_message: input(ctx, 'true_case_message'),
    false_message: input(ctx, 'false_case_message'),
  }),
};
