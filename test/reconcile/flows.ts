/**
 * Real LangFlow-shaped flows for tests that run the real compiler: a minimal chat flow written for
 * these tests (test/fixtures/reconcile/chat.json) and variants of it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/gitrepo.js';

const base = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/reconcile/chat.json'), 'utf8'));

interface Variant {
  temperature?: number;
  /** Moves every node (layout only). */
  shift?: number;
  /** Replaces the prompt text. */
  prompt?: string;
  /** Turns the model node into a component the compiler does not support. */
  unsupported?: boolean;
}

export function chatFlow(v: Variant = {}): string {
  const flow = structuredClone(base);
  for (const node of flow.data.nodes) {
    if (v.shift) node.position = { x: node.position.x + v.shift, y: node.position.y + v.shift };
    const t = node.data.node.template;
    if (v.temperature !== undefined && t.temperature) t.temperature.value = v.temperature;
    if (v.prompt !== undefined && node.data.type === 'Prompt') t.template.value = v.prompt;
    if (v.unsupported && node.data.type === 'LanguageModelComponent') {
      node.data.type = 'FrobnicatorComponent';
      node.data.node.metadata.module = 'lfx.components.frob.FrobnicatorComponent';
    }
  }
  return JSON.stringify(flow, null, 2);
}
