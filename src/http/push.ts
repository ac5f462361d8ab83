/**
 * `POST /hooks/push`: someone else pushed to the tenant repo (an edit on the git host, another
 * clone). Like Flux's Receiver it only wakes the reconciler, which fetches, moves onto the remote
 * tip and converges; nothing is fetched inside the request. One secret (FLOWC_PUSH_SECRET) checked
 * the way each sender signs: GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of the body), GitLab's
 * `X-Gitlab-Token`, or Standard Webhooks headers (a `whsec_` secret). A push to another branch is
 * acknowledged and ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody } from './body.js';
import type { Reply } from './webhook.js';

export interface PushDeps {
  /** FLOWC_PUSH_SECRET; unset: the endpoint refuses every delivery. */
  secret: string | undefined;
  /** The tenant branch (`tenant/<slug>`): pushes to others are ignored. */
  branch: string;
  /** Fetch and converge soon (must return at once). */
  pull(): void;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
}

const same = (a: string, b: string): boolean => {
  const x = createHmac('sha256', 'cmp').update(a).digest();
  const y = createHmac('sha256', 'cmp').update(b).digest();
  return timingSafeEqual(x, y);
};

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Undefined when the delivery is signed with the secret; else why not (never echoing it). */
async function verify(req: IncomingMessage, body: Buffer, secret: string): Promise<string | undefined> {
  const github = header(req, 'x-hub-signature-256');
  if (github !== undefined) {
    const want = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return same(github, want) ? undefined : 'X-Hub-Signature-256 does not match';
  }
  const gitlab = header(req, 'x-gitlab-token');
  if (gitlab !== undefined) return same(gitlab, secret) ? undefined : 'X-Gitlab-Token does not match';
  if (header(req, 'webhook-signature') !== undefined && secret.startsWith('whsec_')) {
    const { Webhook } = await import('standardwebhooks');
    try {
      new Webhook(secret).verify(body.toString('utf8'), { 'webhook-id': header(req, 'webhook-id') ?? '', 'webhook-timestamp': header(req, 'webhook-timestamp') ?? '', 'webhook-signature': header(req, 'webhook-signature') ?? '' });
      return undefined;
    } catch {
      return 'webhook-signature does not match';
    }
  }
  return 'no signature: send X-Hub-Signature-256 (GitHub), X-Gitlab-Token (GitLab) or Standard Webhooks headers';
}

export function createPushHandler(deps: PushDeps): { handle(req: IncomingMessage): Promise<Reply> } {
  return {
    async handle(req) {
      if (!deps.secret) return { code: 403, body: { error: 'push webhooks are off: set FLOWC_PUSH_SECRET' } };
      const read = await readBody(req, { maxBytes: deps.maxBodyBytes, timeoutMs: deps.bodyTimeoutMs });
      if (!read.ok) return { code: read.code, body: { error: read.reason }, close: true };
      const refused = await verify(req, read.body, deps.secret);
      if (refused) return { code: 401, body: { error: refused } };
      if (header(req, 'x-github-event') === 'ping') return { code: 200, body: { status: 'pong' } };
      let ref: unknown;
      try {
        ref = (JSON.parse(read.body.toString('utf8')) as { ref?: unknown }).ref;
      } catch {
        ref = undefined; // a generic sender may say nothing about the ref: fetch anyway
      }
      if (typeof ref === 'string' && ref !== `refs/heads/${deps.branch}`) return { code: 202, body: { status: 'ignored', reason: `a push to ${ref}, not ${deps.branch}` } };
      deps.pull();
      return { code: 202, body: { status: 'fetching' } };
    },
  };
}
