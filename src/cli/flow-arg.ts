/** The flow file a command was given (`flowc compile|graph <flow.json>`): its bytes and its repo-style path. */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { FlowcError } from '../errors.js';

export async function readFlowArgument(input: string | undefined, command: string, hint: string): Promise<{ file: string; source: Buffer }> {
  if (!input) throw new FlowcError('usage', `flowc ${command} needs a flow file`, { hint });
  const file = relative(process.cwd(), resolve(input)).split('\\').join('/') || input;
  try {
    return { file, source: await readFile(input) };
  } catch (err) {
    throw new FlowcError('io', `cannot read the flow: ${(err as Error).message}`, { where: { file } });
  }
}
