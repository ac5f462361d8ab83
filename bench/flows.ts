/**
 * The benches' tenant flows: N distinct copies of examples/flows/demo-chat.json, each with its own
 * id, name, endpoint and prompt, written to `<dir>/flows/bench-<i>.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function writeDemoFlows(dir: string, count: number): void {
  const sample = JSON.parse(readFileSync(path.join(root, 'examples/flows/demo-chat.json'), 'utf8'));
  mkdirSync(path.join(dir, 'flows'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const f = structuredClone(sample);
    f.id = `bench-${i}`;
    f.name = `bench flow ${i}`;
    f.endpoint_name = `bench-${i}`;
    const prompt = f.data.nodes.find((n: { data: { type: string } }) => n.data.type === 'Prompt');
    prompt.data.node.template.template.value += `\n(variant ${i})`;
    writeFileSync(path.join(dir, 'flows', `bench-${i}.json`), `${JSON.stringify(f, null, 2)}\n`);
  }
}
