/**
 * `flowc audit [flow]`: the builds recorded in tags (newest first) — tag, commit, time, and per
 * flow the input hash and files, read from each tag's manifest. `git log` / `git tag -n` show the
 * same history; this reads it back as data.
 */
import { loadConfig } from '../../config/load.js';
import { createGit } from '../../git/git.js';
import { readAudit } from '../../reconcile/audit.js';

export interface AuditOptions {
  repo: string;
  json?: boolean;
  args: Array<string | undefined>;
}

export async function run(o: AuditOptions): Promise<number> {
  const config = loadConfig(o.repo, process.env);
  const flow = o.args[0];
  const builds = await readAudit(createGit({ cwd: config.repoRoot }), config.tagPrefix, flow);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(builds, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const b of builds) {
    lines.push(`${b.tag}  ${b.commit.slice(0, 12)}  ${b.time}`);
    for (const f of b.flows) lines.push(`  ${f.action.padEnd(11)} ${f.id ?? f.source}  input-sha256=${f.inputSha256 ?? '-'}  ${f.files.map((x) => x.path).join(' ')}`);
    for (const r of b.removed) lines.push(`  removed     ${r.id ?? r.source}  ${r.files.join(' ')}`);
  }
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : `no builds${flow ? ` of ${flow}` : ''}\n`);
  return 0;
}
