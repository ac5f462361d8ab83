/**
 * `GET /readyz` from the reconciler's status: ready once a pass has completed, the last pass did
 * not fail as a whole (git, lock, I/O — a bad flow is that flow's failure, not the service's), no
 * guard refused the pass, and the git remote is reachable (no push waiting on an error).
 */
export interface StatusLike {
  lastPass?: { ok: boolean; error?: string; refused?: string } | null;
  refused?: string | null;
  push?: { pending: boolean; lastError: string | null } | null;
}

export function readinessFromStatus(s: StatusLike): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!s.lastPass) reasons.push('no reconcile pass completed yet');
  else if (!s.lastPass.ok && s.lastPass.error) reasons.push(`last reconcile pass failed: ${s.lastPass.error}`);
  if (s.refused) reasons.push(s.refused);
  if (s.push?.pending && s.push.lastError) reasons.push(`git remote unreachable: ${s.push.lastError}`);
  return { ok: reasons.length === 0, reasons };
}
