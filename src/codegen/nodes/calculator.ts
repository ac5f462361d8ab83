/** CalculatorComponent: +, -, *, /, ** over numbers (AST, no eval); a tool in tool mode. */
import { input, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const calculator: NodeGenerator = {
  types: ['CalculatorComponent'],
  template: 'nodes/calculator.py',
  runtime: ['tools'],
  outputs: { result: 'Data', component_as_tool: 'list' },
  vars: (ctx) => ({
    expression: input(ctx, 'expression'),
    tools: toolSpecs(ctx, [
      {
        name: 'evaluate_expression',
        description: 'Perform basic arithmetic operations on a given expression.',
        args: { expression: { type: 'string', description: "The arithmetic expression to evaluate (e.g., '4*4*(33/22)+12-20')." } },
        status: true,
      },
    ]),
  }),
};
