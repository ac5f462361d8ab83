/**
 * Reading a request body with a size cap and a deadline. An oversized body is refused from its
 * Content-Length before a byte is read, or as soon as the count passes the cap; a body that
 * trickles in slower than the deadline is refused too, so slow senders cannot pin connections.
 */
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; code: 400 | 408 | 413; reason: string };

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    return Promise.resolve(tooLarge(limits));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (!result.ok) req.pause(); // stop buffering what we will not read
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits));
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, code: 400, reason: 'the request body could not be read' });
    const onAborted = onError;
    const timer = setTimeout(
      () => finish({ ok: false, code: 408, reason: `the request body did not arrive within ${limits.timeoutMs} ms` }),
      limits.timeoutMs,
    );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

/**
 * Reads and discards the rest of a refused body (up to `limits`), so the client, still sending,
 * reads the refusal instead of a broken pipe when the connection closes.
 */
export function drain(req: IncomingMessage, limits: BodyLimits): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', stop).off('error', stop).off('close', stop);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) stop();
    };
    const timer = setTimeout(stop, limits.timeoutMs);
    req.on('data', onData).on('end', stop).on('error', stop).on('close', stop);
    req.resume();
  });
}

function tooLarge(limits: BodyLimits): BodyResult {
  return { ok: false, code: 413, reason: `the request body is larger than ${limits.maxBytes} bytes` };
}
