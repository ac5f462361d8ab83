/**
 * Every string of a JSON text, values and object keys alike (a secret pasted as a key is still a
 * secret), with its path and line. JSON.parse gives no positions (source
 * text access in revivers arrives after Node 20), and a finding must name the line, so this walks
 * the text once. It assumes the text is valid JSON: call it only after JSON.parse succeeded.
 */
export type JsonPath = Array<string | number>;

export interface JsonString {
  path: JsonPath;
  value: string;
  /** 1-based line of the opening quote. */
  line: number;
  /** An object key (its path ends with the key itself), not a value. */
  isKey?: boolean;
}

type Frame = { kind: 'obj'; key: string | undefined; expectKey: boolean } | { kind: 'arr'; index: number };

export function jsonStrings(text: string): JsonString[] {
  const out: JsonString[] = [];
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const path = (): JsonPath => stack.map((f) => (f.kind === 'obj' ? (f.key ?? '') : f.index));

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      i++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      const raw = text.slice(i, end + 1);
      if (top?.kind === 'obj' && top.expectKey) {
        top.key = JSON.parse(raw) as string;
        out.push({ path: path(), value: top.key, line, isKey: true });
      } else {
        out.push({ path: path(), value: JSON.parse(raw) as string, line });
      }
      i = end + 1;
    } else if (c === 0x7b /* { */) {
      stack.push({ kind: 'obj', key: undefined, expectKey: true });
      i++;
    } else if (c === 0x5b /* [ */) {
      stack.push({ kind: 'arr', index: 0 });
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
    } else if (c === 0x3a /* : */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'obj') top.expectKey = false;
      i++;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'obj') top.expectKey = true;
      else if (top?.kind === 'arr') top.index++;
      i++;
    } else {
      i++; // whitespace, numbers, true/false/null
    }
  }
  return out;
}

/** Index of the closing quote of the string opening at `start` (JSON strings never span lines). */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length - 1;
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    j = q + 1;
  }
}
