/**
 * Posts a pass's events to the configured targets: Slack-compatible JSON (`{"text": …}`) or a
 * generic webhook (the event as JSON, signed with Standard Webhooks when FLOWC_NOTIFY_SECRET is set,
 * as flowc's own webhook verifies them). Every text goes through the log's redaction first, so no
 * credential shape or registered secret leaves in a notification. A target that fails is logged
 * and not retried: each state change is told at most once.
 */
import { randomUUID } from 'node:crypto';
import { log, redactText } from '../log.js';
import type { Event } from '../reconcile/events.js';

export interface Target {
  url: string;
  format: 'slack' | 'webhook';
}

export type Notifier = (slug: string, events: Event[]) => Promise<void>;

function describe(slug: string, e: Event): string {
  if (e.type === 'build') return `flowc ${slug}: built ${e.tag} (${e.commit.slice(0, 12)}): ${e.flows.join(', ') || 'tenant files'}`;
  if (e.type === 'failure') return `flowc ${slug}: flow ${e.flowId} failed: ${e.reason}`;
  return `flowc ${slug}: flow ${e.flowId} recovered`;
}

export function createNotifier(targets: Target[], secret: string | undefined): Notifier {
  return async (slug, events) => {
    if (targets.length === 0 || events.length === 0) return;
    const [{ default: got }, sign] = await Promise.all([import('got'), signer(secret)]);
    for (const event of events) {
      const text = redactText(describe(slug, event));
      for (const target of targets) {
        const body = target.format === 'slack' ? JSON.stringify({ text }) : redactText(JSON.stringify({ tenant: slug, ...event, text }));
        try {
          await got.post(target.url, { body, headers: { 'content-type': 'application/json', ...(target.format === 'webhook' ? sign(body) : {}) }, timeout: { request: 5000 }, retry: { limit: 1 } });
        } catch (err) {
          // The URL may hold a token (Slack's do): only its origin is logged.
          log.warn({ target: new URL(target.url).origin, event: event.type, err: (err as Error).message }, 'a notification could not be delivered');
        }
      }
    }
  };
}

async function signer(secret: string | undefined): Promise<(body: string) => Record<string, string>> {
  if (!secret) return () => ({});
  const { Webhook } = await import('standardwebhooks');
  const hook = new Webhook(secret);
  return (body) => {
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': hook.sign(id, at, body) };
  };
}
