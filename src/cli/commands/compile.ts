import { FlowcError } from '../../errors.js';

export async function run(_options: Record<string, unknown>): Promise<number> {
  throw new FlowcError('usage', 'flowc compile is not implemented yet');
}
