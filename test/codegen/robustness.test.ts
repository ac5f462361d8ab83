/**
 * compileFlow fails only with FlowcError: random values (any JSON) in random template fields of
 * the test flows either compile or give a clear flow error, never an internal crash that the
 * reconciler would have to treat as a bug. Pure TypeScript, no Python.
 */
import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { isFlowcError } from '../../src/errors.js';
import { repoRoot } from '../helpers/python.js';

type Flow = { data: { nodes: Array<{ data: { node: { template: Record<string, unknown> } } }> } };

test('mutated field values compile or fail with a FlowcError', (t) => {
  const root = join(repoRoot, 'test', 'fixtures', 'flows');
  const flows = readdirSync(root).map((f) => JSON.parse(readFileSync(join(root, f), 'utf8')) as Flow);
  const crashes: string[] = [];
  let refused = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: flows.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 4 }),
      (which, mutations) => {
        const flow = structuredClone(flows[which]!);
        for (const [n, k, value] of mutations) {
          const template = flow.data.nodes[n % flow.data.nodes.length]!.data.node.template;
          const keys = Object.keys(template);
          const key = keys[k % keys.length]!;
          const field = template[key];
          // Replace either the whole field or just its value.
          if (k % 3 === 0 || !field || typeof field !== 'object') template[key] = value;
          else (field as Record<string, unknown>).value = value;
        }
        try {
          compileFlow(JSON.stringify(flow), { file: 'flows/mutated.json', slug: 's' });
        } catch (err) {
          if (isFlowcError(err)) refused++;
          else crashes.push(String((err as Error).stack).split('\n').slice(0, 3).join(' | '));
        }
      },
    ),
    { numRuns: 1500, seed: 42 },
  );
  t.log(`${refused} of 1500 mutated flows refused with a FlowcError`);
  t.deepEqual(crashes.slice(0, 5), []);
});
