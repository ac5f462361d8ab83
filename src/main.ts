/**
 * The bin entry: parse argv, run one command, decide the exit code. The only place that exits.
 */
import { buildProgram } from './cli/cli.js';
import { FlowcError, isFlowcError } from './errors.js';

export async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await buildProgram().run(argv);
  } catch (err) {
    code = report(err);
  }
  process.exitCode = code;
}

function report(err: unknown): number {
  if (isFlowcError(err)) {
    process.stderr.write(`flowc: ${err.describe()}\n`);
    return err.kind === 'usage' || err.kind === 'config' ? 2 : 1;
  }
  const e = err as { code?: string; message?: string; exitCode?: number };
  // commander reports its own usage errors (already printed) with exitCode set.
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) return e.exitCode ?? 2;
  process.stderr.write(`flowc: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.FLOWC_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return 70;
}

export { FlowcError };
