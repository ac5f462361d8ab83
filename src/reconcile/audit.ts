/**
 * Builds read back from their annotated tags: the tag message is the build manifest
 * (apply.ts `manifest`: a summary line, a blank line, then JSON).
 */
import type { Git } from '../git/git.js';

export interface AuditFlow {
  id: string | null;
  source: string;
  action: string;
  inputSha256: string | null;
  sourceSha256: string | null;
  files: Array<{ path: string; outputSha256: string | null }>;
}

export interface AuditBuild {
  tag: string;
  commit: string;
  time: string;
  generator: string | null;
  flows: AuditFlow[];
  removed: Array<{ id: string | null; source: string; files: string[] }>;
}

export async function readAudit(git: Pick<Git, 'tags'>, tagPrefix: string, flowId?: string): Promise<AuditBuild[]> {
  const builds: AuditBuild[] = [];
  for (const t of await git.tags(tagPrefix)) {
    let m: { generator?: string; flows?: AuditFlow[]; removed?: AuditBuild['removed'] } = {};
    const at = t.message.indexOf('\n\n');
    try {
      m = JSON.parse(at >= 0 ? t.message.slice(at + 2) : t.message);
    } catch {
      // Not a flowc manifest (a hand-made tag under the prefix): listed without flows.
    }
    const b: AuditBuild = { tag: t.tag, commit: t.commit, time: t.time, generator: m.generator ?? null, flows: m.flows ?? [], removed: m.removed ?? [] };
    if (flowId && !b.flows.some((f) => f.id === flowId) && !b.removed.some((r) => r.id === flowId)) continue;
    if (flowId) {
      b.flows = b.flows.filter((f) => f.id === flowId);
      b.removed = b.removed.filter((r) => r.id === flowId);
    }
    builds.push(b);
  }
  return builds;
}
