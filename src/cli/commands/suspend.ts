/**
 * `flowc suspend [flow...]` and `flowc resume [flow...]`: mark flows (none named: the whole tenant)
 * suspended in flowc.yaml — neither built nor pruned, and `flowc status` says so — or take the
 * mark off. The file keeps its comments and layout; the change is the user's to commit (flowc.yaml
 * is the tenant's audited configuration), and the reconciler acts on it at its next pass.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CONFIG_FILE, loadConfig, readSuspension } from '../../config/load.js';
import { FlowcError } from '../../errors.js';

export interface SuspendOptions {
  repo: string;
  args: [string[]];
  /** Set by the `resume` command. */
  resume?: boolean;
}

export async function run(o: SuspendOptions): Promise<number> {
  const config = loadConfig(o.repo, process.env);
  const flows = o.args[0] ?? [];
  const file = path.join(config.repoRoot, CONFIG_FILE);
  const now = readSuspension(config.repoRoot);
  let next: boolean | string[];
  if (o.resume) {
    if (flows.length === 0) next = false;
    else if (now.all) {
      throw new FlowcError('usage', 'the whole tenant is suspended; resuming single flows would change nothing', { hint: 'run `flowc resume` (no flow) to resume the tenant' });
    } else next = now.flows.filter((f) => !flows.includes(f));
  } else next = flows.length === 0 ? true : now.all ? true : [...new Set([...now.flows, ...flows])].sort();

  const unknown = flows.filter((f) => !existsSync(path.join(config.repoRoot, config.flowsDir, `${f}.json`)));
  const doc = parseDocument(existsSync(file) ? readFileSync(file, 'utf8') : `slug: ${config.slug}\n`);
  if (next === false || (Array.isArray(next) && next.length === 0)) doc.delete('suspend');
  else doc.set('suspend', next);
  writeFileSync(file, doc.toString());

  const what = flows.length === 0 ? 'the whole tenant' : flows.join(', ');
  process.stdout.write(`${o.resume ? 'resumed' : 'suspended'} ${what} in ${CONFIG_FILE}; commit it to record the change (the reconciler acts on its next pass)\n`);
  if (unknown.length) process.stdout.write(`note: no ${config.flowsDir}/<id>.json for ${unknown.join(', ')} (yet)\n`);
  return 0;
}
