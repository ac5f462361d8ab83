/**
 * Which LangFlow export format a flow is in. `last_tested_version` is often stale (starter
 * projects carried across releases keep their old one), so shape features raise it:
 * `JSON`/`Table` types are 1.10+, a `model` list is 1.8+, `metadata.module` is 1.6+.
 */
import type { RawFlow } from './schema.js';
import type { NormalNode } from './normalize.js';

const parse = (v: string | null | undefined): [number, number] | null => {
  const m = /^(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
};

const max = (a: [number, number], b: [number, number]): [number, number] =>
  a[0] !== b[0] ? (a[0] > b[0] ? a : b) : a[1] >= b[1] ? a : b;

export function detectSchemaVersion(flow: RawFlow, nodes: NormalNode[]): string {
  let v: [number, number] = parse(flow.last_tested_version) ?? [1, 0];
  const types = new Set<string>();
  for (const n of nodes) {
    for (const o of n.outputs) o.types.forEach((t) => types.add(t));
    for (const f of Object.values(n.fields)) f.inputTypes.forEach((t) => types.add(t));
    if (n.module) v = max(v, [1, 6]);
    if (Array.isArray(n.fields.model?.value) || n.fields.model?.inputType === 'ModelInput') v = max(v, [1, 8]);
  }
  if (types.has('Table') || types.has('JSON')) v = max(v, [1, 10]);
  return `${v[0]}.${v[1]}`;
}
