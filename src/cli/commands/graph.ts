/**
 * `flowc graph <flow.json>`: prints the flow's diagram — the Markdown with a Mermaid flowchart that
 * a build writes beside the flow's module (`flow_<id>.md`) — without writing anything.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { compileFlow } from '../../codegen/compile.js';
import { parseHeader } from '../../codegen/header.js';
import { FlowcError } from '../../errors.js';

interface Options {
  args: string[];
}

export async function run(options: Options): Promise<number> {
  const input = options.args[0];
  if (!input) throw new FlowcError('usage', 'flowc graph needs a flow file', { hint: 'flowc graph flows/<id>.json' });
  const file = relative(process.cwd(), resolve(input)).split('\\').join('/') || input;
  let source: Buffer;
  try {
    source = await readFile(input);
  } catch (err) {
    throw new FlowcError('io', `cannot read the flow: ${(err as Error).message}`, { where: { file } });
  }
  const diagram = compileFlow(source, { file, slug: 'default' }).files.find((f) => f.path.endsWith('.md'))!;
  process.stdout.write(parseHeader(diagram.content)!.body);
  return 0;
}
