/**
 * A loopback OTLP/HTTP trace receiver for tests: decodes the protobuf ExportTraceServiceRequest
 * with the wire reader OpenTelemetry already ships (otlp-transformer's ProtobufReader), so no
 * protobuf dependency is added. Decodes only what the tests look at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// Not in the package's public API, but a plain file path (the package has no exports map).
import { ProtobufReader } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader.js';

export type Value = string | number | boolean | Value[] | undefined;

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, Value>;
  events: Array<{ name: string; attributes: Record<string, Value> }>;
  status: { code: number; message: string };
  resource: Record<string, Value>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function each(buf: Uint8Array, on: (field: number, wire: number, r: ProtobufReader) => boolean | void): void {
  const r = new ProtobufReader(buf);
  while (!r.isAtEnd()) {
    const { fieldNumber, wireType } = r.readTag();
    if (on(fieldNumber, wireType, r) !== true) r.skip(wireType);
  }
}

function anyValue(buf: Uint8Array): Value {
  let v: Value;
  each(buf, (f, w, r) => {
    if (f === 1 && w === 2) return ((v = r.readString()), true);
    if (f === 2 && w === 0) return ((v = r.readVarint() !== 0), true);
    if (f === 3 && w === 0) return ((v = r.readVarint()), true);
    if (f === 4 && w === 1) {
      v = Buffer.from(buf.subarray(r.pos, r.pos + 8)).readDoubleLE(0);
      r.pos += 8;
      return true;
    }
    if (f === 5 && w === 2) {
      const items: Value[] = [];
      each(r.readBytes(), (g, w2, r2) => (g === 1 && w2 === 2 ? (items.push(anyValue(r2.readBytes())), true) : false));
      v = items;
      return true;
    }
    return false;
  });
  return v;
}

function keyValue(buf: Uint8Array, into: Record<string, Value>): void {
  let key = '';
  let value: Value;
  each(buf, (f, w, r) => {
    if (f === 1 && w === 2) return ((key = r.readString()), true);
    if (f === 2 && w === 2) return ((value = anyValue(r.readBytes())), true);
    return false;
  });
  into[key] = value;
}

function span(buf: Uint8Array, resource: Record<string, Value>): DecodedSpan {
  const s: DecodedSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', attributes: {}, events: [], status: { code: 0, message: '' }, resource };
  each(buf, (f, w, r) => {
    if (w !== 2) return false;
    if (f === 1) s.traceId = hex(r.readBytes());
    else if (f === 2) s.spanId = hex(r.readBytes());
    else if (f === 4) s.parentSpanId = hex(r.readBytes());
    else if (f === 5) s.name = r.readString();
    else if (f === 9) keyValue(r.readBytes(), s.attributes);
    else if (f === 11) {
      const e = { name: '', attributes: {} as Record<string, Value> };
      each(r.readBytes(), (g, w2, r2) => {
        if (g === 2 && w2 === 2) return ((e.name = r2.readString()), true);
        if (g === 3 && w2 === 2) return (keyValue(r2.readBytes(), e.attributes), true);
        return false;
      });
      s.events.push(e);
    } else if (f === 15) {
      each(r.readBytes(), (g, w2, r2) => {
        if (g === 2 && w2 === 2) return ((s.status.message = r2.readString()), true);
        if (g === 3 && w2 === 0) return ((s.status.code = r2.readVarint()), true);
        return false;
      });
    } else return false;
    return true;
  });
  return s;
}

/** ExportTraceServiceRequest → flat list of spans, each with its resource's attributes. */
export function decodeTraceRequest(body: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  each(body, (f, w, r) => {
    if (f !== 1 || w !== 2) return false;
    const resource: Record<string, Value> = {};
    const scopeSpans: Uint8Array[] = [];
    each(r.readBytes(), (g, w2, r2) => {
      if (g === 1 && w2 === 2) return (each(r2.readBytes(), (h, w3, r3) => (h === 1 && w3 === 2 ? (keyValue(r3.readBytes(), resource), true) : false)), true);
      if (g === 2 && w2 === 2) return (scopeSpans.push(r2.readBytes()), true);
      return false;
    });
    for (const ss of scopeSpans) each(ss, (g, w2, r2) => (g === 2 && w2 === 2 ? (spans.push(span(r2.readBytes(), resource)), true) : false));
    return true;
  });
  return spans;
}

export interface Receiver {
  url: string;
  spans: DecodedSpan[];
  contentTypes: string[];
  /** Resolves once `pred(spans)` holds (checked on every request); the test's own timeout bounds it. */
  until(pred: (spans: DecodedSpan[]) => boolean): Promise<DecodedSpan[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const spans: DecodedSpan[] = [];
  const contentTypes: string[] = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.push(String(req.headers['content-type']));
      if (req.url === '/v1/traces') spans.push(...decodeTraceRequest(Buffer.concat(chunks)));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    async until(pred) {
      while (!pred(spans)) await new Promise<void>((resolve) => waiters.push(resolve));
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
