/**
 * Flow ids arrive from the network and become file names (`flows/<id>.json`), so they are held to
 * a small ASCII alphabet: no separators, no `..`, no NUL or control characters, no look-alike
 * Unicode (a Cyrillic `а` would make a second flow that reads the same), and a bounded length.
 */
export const FLOW_ID_MAX = 128;

const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const FLOW_ID_RULE = `1–${FLOW_ID_MAX} characters from A–Z a–z 0–9 . _ -, starting with a letter or digit, no ".."`;

/** Undefined when `id` is acceptable; otherwise why not (never echoing the id itself). */
export function checkFlowId(id: unknown, max = FLOW_ID_MAX): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'the flow id is missing';
  if (id.length > max) return `the flow id is longer than ${max} characters`;
  if (!FLOW_ID.test(id) || id.includes('..') || id.endsWith('.')) return `the flow id must be ${FLOW_ID_RULE}`;
  return undefined;
}
