/**
 * Who may deliver a flow: an `X-Api-Key` (compared in constant time with BLD_KEY) and/or a
 * Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body`, `whsec_<base64>` secrets, two
 * accepted during a rotation). The signature maths is the `standardwebhooks` package's; this module
 * adds strict header checks, the rotation, the replay guard and the policy of what is required.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { FlowcError } from '../errors.js';

export type AuthMethod = 'api_key' | 'signature';

export interface WebhookAuth {
  /** BLD_KEY. */
  apiKey?: string | undefined;
  /** FLOWC_WEBHOOK_SECRET then FLOWC_WEBHOOK_SECRET_PREVIOUS (`whsec_<base64>`). */
  secrets?: Array<string | undefined>;
  /** The Config's `webhook.signingSecret` (same as secrets[0]); used when `secrets` is absent. */
  signingSecret?: string | undefined;
  /** `webhook.require` of flowc.yaml; empty = whatever is configured (see `requiredMethods`). */
  require?: AuthMethod[];
  /** Signature timestamp tolerance, both ways (default 300 s). */
  toleranceSeconds?: number;
}

/**
 * The auth settings from the environment (BLD_KEY, FLOWC_WEBHOOK_SECRET,
 * FLOWC_WEBHOOK_SECRET_PREVIOUS) and the config's `webhook` section (its `require`, and its
 * `apiKey`/`signingSecret` where the environment names none).
 */
export function webhookAuthFromEnv(
  env: NodeJS.ProcessEnv,
  webhook: { require?: AuthMethod[]; apiKey?: string | undefined; signingSecret?: string | undefined } = {},
): WebhookAuth {
  const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
  return {
    apiKey: nonEmpty(env.BLD_KEY) ?? nonEmpty(webhook.apiKey),
    secrets: [nonEmpty(env.FLOWC_WEBHOOK_SECRET) ?? nonEmpty(webhook.signingSecret), nonEmpty(env.FLOWC_WEBHOOK_SECRET_PREVIOUS)],
    require: webhook.require ?? [],
  };
}

const secretsOf = (auth: WebhookAuth): Array<string | undefined> => auth.secrets ?? [auth.signingSecret];

export type AuthOutcome = { ok: true; webhookId?: string; timestamp?: number } | { ok: false; reason: string };

export interface Verifier {
  /** Methods every delivery must pass (a set secret always requires a signature). */
  required: ReadonlySet<AuthMethod>;
  /** Header-only checks, before the body is read: refuses cheaply. */
  checkHeaders(headers: IncomingHttpHeaders): AuthOutcome;
  /** Signature over the raw body (when required or configured). */
  checkBody(headers: IncomingHttpHeaders, body: string): AuthOutcome;
}

const SECRET_ENV = ['FLOWC_WEBHOOK_SECRET', 'FLOWC_WEBHOOK_SECRET_PREVIOUS'];

export function createVerifier(auth: WebhookAuth): Verifier {
  const tolerance = auth.toleranceSeconds ?? 300;
  const hooks: Webhook[] = [];
  secretsOf(auth).forEach((secret, i) => {
    if (secret === undefined) return;
    try {
      hooks.push(new Webhook(secret));
    } catch {
      throw new FlowcError('config', `${SECRET_ENV[i] ?? 'webhook secret'} is not a valid Standard Webhooks secret`, {
        hint: 'use the form whsec_<base64 of at least 24 random bytes>',
      });
    }
  });
  const apiKeyDigest = auth.apiKey ? digest(auth.apiKey) : undefined;
  const required = requiredMethods(auth, hooks.length > 0);

  return {
    required,
    checkHeaders(headers) {
      if (required.size === 0) return { ok: false, reason: 'webhook authentication is not configured on this receiver' };
      const presented = header(headers, 'x-api-key');
      if (presented !== undefined || required.has('api_key')) {
        // A key that is presented must be right even where only a signature is required.
        if (!apiKeyDigest || presented === undefined || !timingSafeEqual(digest(presented), apiKeyDigest)) {
          return { ok: false, reason: 'missing or invalid X-Api-Key' };
        }
      }
      if (required.has('signature')) {
        const id = header(headers, 'webhook-id');
        const ts = header(headers, 'webhook-timestamp');
        const sig = header(headers, 'webhook-signature');
        if (id === undefined || ts === undefined || sig === undefined) {
          return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
        }
        if (!/^[\x21-\x7e]{1,256}$/.test(id)) return { ok: false, reason: 'malformed webhook-id header' };
        if (!/^\d{1,15}$/.test(ts)) return { ok: false, reason: 'malformed webhook-timestamp header' };
        if (Math.abs(Date.now() / 1000 - Number(ts)) > tolerance) {
          return { ok: false, reason: `webhook-timestamp is outside the ${tolerance} s tolerance` };
        }
        if (sig.length > 4096 || !/(^| )v1,[A-Za-z0-9+/=]+/.test(sig)) return { ok: false, reason: 'malformed webhook-signature header' };
      }
      return { ok: true };
    },
    checkBody(headers, body) {
      const webhookId = header(headers, 'webhook-id');
      if (!required.has('signature')) return webhookId === undefined ? { ok: true } : { ok: true, webhookId };
      const signed = {
        'webhook-id': webhookId ?? '',
        'webhook-timestamp': header(headers, 'webhook-timestamp') ?? '',
        'webhook-signature': header(headers, 'webhook-signature') ?? '',
      };
      for (const hook of hooks) {
        try {
          hook.verify(body, signed, { jsonParse: false });
          return { ok: true, webhookId: signed['webhook-id'], timestamp: Number(signed['webhook-timestamp']) };
        } catch {
          // try the previous secret (rotation)
        }
      }
      return { ok: false, reason: 'webhook-signature does not match' };
    },
  };
}

/** Required methods: the configured `require`, plus a signature whenever a secret is set; with
 * nothing said, whatever credential is configured. Asking for a method with no credential is a
 * config error (a receiver that silently accepts everything is worse than one that does not start). */
export function requiredMethods(auth: WebhookAuth, hasSecret = secretsOf(auth).some(Boolean)): Set<AuthMethod> {
  const required = new Set<AuthMethod>(auth.require ?? []);
  if (hasSecret) required.add('signature');
  if ((auth.require ?? []).length === 0 && auth.apiKey) required.add('api_key');
  if (required.has('signature') && !hasSecret) {
    throw new FlowcError('config', 'webhook.require lists signature but FLOWC_WEBHOOK_SECRET is not set', {
      where: { field: 'webhook.require' },
      hint: 'set FLOWC_WEBHOOK_SECRET=whsec_<base64> or remove signature from webhook.require',
    });
  }
  if (required.has('api_key') && !auth.apiKey) {
    throw new FlowcError('config', 'webhook.require lists api_key but BLD_KEY is not set', {
      where: { field: 'webhook.require' },
      hint: 'set BLD_KEY or remove api_key from webhook.require',
    });
  }
  return required;
}

/**
 * Remembers delivered `webhook-id`s for as long as their timestamp is acceptable (after that the
 * tolerance check refuses a replay anyway), so a replayed or re-sent delivery is refused. An id is
 * reserved while its delivery is handled and released if that delivery failed transiently, so the
 * sender's retry goes through. Bounded: past `max` ids, the oldest are forgotten first.
 *
 * It also keeps, per flow, the signed time of the delivery that wrote its current version: an
 * older delivery of that flow (another captured one, or a retry that lost a race) would revert
 * it and is refused. Beyond the tolerance window the timestamp check refuses such a delivery, so
 * these expire with it too.
 *
 * With `file`, ids and versions outlive a restart (a captured delivery replayed after one would
 * otherwise be accepted and revert the flow): each change is appended to it, and it is read back,
 * without the expired entries, when the guard is made. Ids are opaque and hold no secret.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly versions = new Map<string, { signed: number; expires: number }>();
  constructor(
    private readonly toleranceSeconds = 300,
    private readonly max = 100_000,
    private readonly file?: string,
  ) {
    if (file) this.load(file);
  }

  reserve(id: string, timestamp = Date.now() / 1000): boolean {
    this.sweep();
    if (this.seen.has(id)) return false;
    const expires = (Math.max(timestamp, Date.now() / 1000) + this.toleranceSeconds) * 1000;
    this.seen.set(id, expires);
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.record(`${id}\t${Math.ceil(expires)}\n`);
    return true;
  }

  release(id: string): void {
    if (this.seen.delete(id)) this.record(`-${id}\n`);
  }

  /**
   * False when a delivery signed at `timestamp` is older than the one that wrote the flow's
   * current version; otherwise records it as the current version.
   */
  current(flowId: string, timestamp: number): boolean {
    this.sweep();
    const known = this.versions.get(flowId);
    if (known && timestamp < known.signed) return false;
    const expires = Math.ceil((Math.max(timestamp, Date.now() / 1000) + this.toleranceSeconds) * 1000);
    this.versions.set(flowId, { signed: timestamp, expires });
    this.record(`=${flowId}\t${timestamp}\t${expires}\n`);
    return true;
  }

  private record(line: string): void {
    if (!this.file) return;
    try {
      appendFileSync(this.file, line, { mode: 0o600 });
    } catch {
      // Unwritable state dir: the in-memory guard still holds until the next restart.
    }
  }

  private load(file: string): void {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // first start: nothing to read back
    }
    const now = Date.now();
    for (const line of text.split('\n')) {
      if (line.startsWith('-')) this.seen.delete(line.slice(1));
      else if (line.startsWith('=')) {
        const [flowId, signed, expires] = line.slice(1).split('\t');
        if (flowId && Number(expires) > now) this.versions.set(flowId, { signed: Number(signed), expires: Number(expires) });
      } else {
        const [id, expires] = line.split('\t');
        if (id && Number(expires) > now) this.seen.set(id, Number(expires));
      }
    }
    // Compacted: only the ids still inside their window.
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const ids = [...this.seen].map(([id, expires]) => `${id}\t${expires}\n`);
      const versions = [...this.versions].map(([flowId, v]) => `=${flowId}\t${v.signed}\t${v.expires}\n`);
      writeFileSync(file, [...ids, ...versions].join(''), { mode: 0o600 });
    } catch {
      // as in record()
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, expires] of this.seen) {
      if (expires > now) break; // insertion order ≈ expiry order
      this.seen.delete(id);
    }
    for (const [flowId, v] of this.versions) if (v.expires <= now) this.versions.delete(flowId);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
