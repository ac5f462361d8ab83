/**
 * `flowc graph <flow.json>`: prints the flow's diagram — the Markdown with a Mermaid flowchart that
 * a build writes beside the flow's module (`flow_<id>.md`) — without writing anything.
 */
import { compileFlow } from '../../codegen/compile.js';
import { parseHeader } from '../../codegen/header.js';
import { readFlowArgument } from '../flow-arg.js';

interface Options {
  args: string[];
}

export async function run(options: Options): Promise<number> {
  const { file, source } = await readFlowArgument(options.args[0], 'graph', 'flowc graph flows/<id>.json');
  const diagram = compileFlow(source, { file, slug: 'default' }).files.find((f) => f.path.endsWith('.md'))!;
  process.stdout.write(parseHeader(diagram.content)!.body);
  return 0;
}
