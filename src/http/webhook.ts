/**
 * `POST /hooks/flow.saved`: Builder's "a flow was saved". Like Flux's Receiver, it only stores the
 * flow in `flows/<id>.json` and pokes the reconcile loop — compiling, committing and pushing happen
 * there, never inside the request. Stages, cheapest refusal first: capacity (429/503) → credentials
 * in headers (401) → body (413/408) → signature (401) → replay (409) → JSON, id, schema, secrets
 * (400) → id collision (409) → older than the current version (409) → atomic write → poke → 202.
 */
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { isFlowcError } from '../errors.js';
import { findShapes } from '../guard/rules.js';
import { scanForSecrets, describeFinding } from '../guard/secrets.js';
import { buildGraph, normalizeFlow } from '../langflow/index.js';
import { log } from '../log.js';
import type { ReplayGuard, Verifier } from './auth.js';
import { drain, readBody } from './body.js';
import { moduleIdOf } from '../codegen/ids.js';
import { checkFlowId } from './flowid.js';

export type Admission = { ok: true } | { ok: false; reason: 'suspended' | 'queue_full' };

export interface HookLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxInFlight: number;
  maxFlowIdLength: number;
}

export interface HookDeps {
  flowsDir: string;
  poke(flowId: string): void;
  admit?: () => Admission;
  verifier: Verifier;
  replay: ReplayGuard;
  limits: HookLimits;
  /** `refuse` (default): a flow holding a literal secret is refused here and never touches disk. */
  secrets?: 'refuse' | 'scrub';
}

export interface Reply {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The request body was not read to its end: close the connection after replying. */
  close?: boolean;
}

const refuse = (code: number, error: string, extra: Partial<Reply> = {}): Reply => ({ code, body: { error }, ...extra });

export function createFlowSavedHandler(deps: HookDeps): { handle(req: IncomingMessage): Promise<Reply>; idle(): Promise<void> } {
  const hookLog = log.child({ component: 'webhook' });
  let inFlight = 0;
  /** Per flow id, the tail of its write chain: deliveries of one flow land in arrival order. */
  const chains = new Map<string, Promise<unknown>>();

  async function handle(req: IncomingMessage): Promise<Reply> {
    if (inFlight >= deps.limits.maxInFlight) return refuse(429, 'too many deliveries in progress; retry later', { headers: { 'retry-after': '1' }, close: true });
    const admission = deps.admit?.() ?? { ok: true };
    if (!admission.ok) {
      const why = admission.reason === 'suspended' ? 'reconciliation is suspended' : 'the reconcile queue is full';
      return refuse(503, `${why}; retry later`, { headers: { 'retry-after': '5' }, close: true });
    }
    const early = deps.verifier.checkHeaders(req.headers);
    if (!early.ok) return refuse(401, early.reason, { close: true });

    inFlight++;
    try {
      return await receive(req);
    } finally {
      inFlight--;
    }
  }

  async function receive(req: IncomingMessage): Promise<Reply> {
    const read = await readBody(req, { maxBytes: deps.limits.maxBodyBytes, timeoutMs: deps.limits.bodyTimeoutMs });
    if (!read.ok) {
      // A client still sending an oversized body must read the 413, not a broken pipe (Builder
      // would retry for ever): swallow a bounded rest of it first.
      if (read.code === 413) await drain(req, { maxBytes: 8 * deps.limits.maxBodyBytes, timeoutMs: deps.limits.bodyTimeoutMs });
      return refuse(read.code, read.reason, { close: true });
    }
    let text: string;
    try {
      // ignoreBOM keeps a leading BOM in the text: the signature covers the raw bytes, BOM included.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(read.body);
    } catch {
      return refuse(400, 'the body is not UTF-8');
    }
    const auth = deps.verifier.checkBody(req.headers, text);
    if (!auth.ok) return refuse(401, auth.reason);

    const id = auth.webhookId;
    if (id !== undefined && !deps.replay.reserve(id, auth.timestamp)) {
      return refuse(409, 'this webhook-id was already delivered');
    }
    const reply = await store(text, auth.timestamp).catch((err: unknown) => {
      hookLog.error({ err: (err as Error)?.message }, 'storing a delivered flow failed');
      return refuse(503, 'the flow could not be stored; retry later', { headers: { 'retry-after': '5' } });
    });
    // A transient refusal must let the sender's retry (same webhook-id) through.
    if (id !== undefined && reply.code >= 500) deps.replay.release(id);
    return reply;
  }

  /** `signed`: the delivery's signed timestamp (seconds), when it is signed. */
  async function store(text: string, signed: number | undefined): Promise<Reply> {
    let json: unknown;
    const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    try {
      json = JSON.parse(source);
    } catch {
      return refuse(400, 'the body is not valid JSON');
    }
    const unwrapped = unwrap(json);
    if (typeof unwrapped === 'string') return refuse(400, unwrapped);
    const { flow, flowId, wrapped } = unwrapped;
    const badId = checkFlowId(flowId, deps.limits.maxFlowIdLength);
    if (badId) return refuse(400, badId);
    // The id becomes a file name, a status line and a log field: one shaped like a key is refused, unshown.
    if (findShapes(flowId as string).length > 0) return refuse(400, 'the flow id looks like a secret key (not shown); use another id');
    const file = `flows/${flowId as string}.json`;

    try {
      buildGraph(normalizeFlow(flow, file));
    } catch (err) {
      if (!isFlowcError(err)) throw err;
      return refuse(400, err.describe());
    }
    const content = wrapped ? `${JSON.stringify(flow, null, 2)}\n` : source;
    if ((deps.secrets ?? 'refuse') === 'refuse') {
      const findings = scanForSecrets(content, file);
      if (findings.length > 0) {
        return { code: 400, body: { error: 'the flow holds literal secrets; nothing was stored', findings: findings.map(describeFinding) } };
      }
    }
    // Serialised per Python module, not per id: `race-a` and `race_a` arriving together must not
    // both pass the clash check before either is written.
    return serial(moduleIdOf(flowId as string), () => write(flowId as string, content, signed));
  }

  async function write(flowId: string, content: string, signed: number | undefined): Promise<Reply> {
    await mkdir(deps.flowsDir, { recursive: true });
    const target = path.join(deps.flowsDir, `${flowId}.json`);
    if (path.dirname(target) !== path.resolve(deps.flowsDir)) return refuse(400, 'the flow id is not a plain file name');

    const clash = (await readdir(deps.flowsDir)).find(
      (f) => f.endsWith('.json') && f !== `${flowId}.json` && moduleIdOf(f.slice(0, -5)) === moduleIdOf(flowId),
    );
    if (clash) return refuse(409, `flow id ${flowId} would compile to the same module as existing flow ${clash.slice(0, -5)}`);

    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) return refuse(409, `flows/${flowId}.json is a symbolic link; refusing to write through it`);
    // Reading a FIFO would wait for ever, and no retry ever replaces a directory: say so, for good.
    if (existing && !existing.isFile()) {
      return refuse(409, `flows/${flowId}.json is not a regular file (${existing.isDirectory() ? 'a directory' : 'a FIFO, socket or device'}); remove it from the tenant repo, then deliver again`);
    }
    // Checked in the flow's write chain, so two deliveries of one flow cannot both pass it.
    if (signed !== undefined && !deps.replay.current(flowId, signed)) {
      return refuse(409, `this delivery is older than the one that wrote the current version of flow ${flowId}; nothing was stored`);
    }
    if (existing && (await readFile(target, 'utf8')) === content) {
      deps.poke(flowId);
      return { code: 202, body: { flowId, status: 'unchanged' } };
    }
    await writeFileAtomic(target, content, { mode: 0o644 });
    try {
      deps.poke(flowId);
    } catch (err) {
      // The file is in place; the watcher or the periodic resync will still pick it up.
      hookLog.warn({ flowId, err: (err as Error)?.message }, 'poke failed after storing the flow');
    }
    return { code: 202, body: { flowId, status: 'queued' } };
  }

  function serial<T>(key: string, job: () => Promise<T>): Promise<T> {
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev.then(job, job);
    const tail = next.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => chains.get(key) === tail && chains.delete(key));
    return next;
  }

  return {
    handle,
    idle: async () => {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}

/**
 * The body is a LangFlow export (stored byte for byte, its flow id = its `id`) or a wrapper
 * `{ "flowId"?: string, "flow": <export> }` (stored pretty-printed; `flowId` defaults to flow.id).
 */
function unwrap(json: unknown): { flow: unknown; flowId: unknown; wrapped: boolean } | string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'the body must be a JSON object (a LangFlow export)';
  const o = json as Record<string, unknown>;
  if ('flow' in o && !('data' in o)) {
    const flow = o.flow;
    if (flow === null || typeof flow !== 'object' || Array.isArray(flow)) return '"flow" must be a LangFlow export object';
    return { flow, flowId: o.flowId ?? (flow as Record<string, unknown>).id, wrapped: true };
  }
  return { flow: o, flowId: o.id, wrapped: false };
}
