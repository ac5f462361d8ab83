/**
 * The generated runner serves its one flow with LangServe: `python runner_<id>.py` on PORT,
 * /<ENDPOINT>/invoke answers through the compiled graph. A real uvicorn process.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { compileRuntime } from '../../src/codegen/runtime.js';
import { havePython, pythonPath, repoRoot } from '../helpers/python.js';

const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });

(havePython() ? test : test.skip)('runner_<id>.py serves the flow with LangServe on PORT', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-runner-'));
  const source = readFileSync(join(repoRoot, 'test', 'fixtures', 'flows', 'prompt_variants.json'));
  const r = compileFlow(source, { file: 'flows/prompt_variants.json', slug: 'acme' });
  for (const f of [...r.files, compileRuntime({ slug: 'acme' })]) writeFileSync(join(dir, basename(f.path)), f.content);
  const port = await freePort();
  const child = spawn(pythonPath(), ['runner_prompt_variants.py'], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  t.teardown(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}/${r.endpoint}`;
  let schema: unknown;
  for (let i = 0; i < 150 && schema === undefined; i++) {
    try {
      const res = await fetch(`${url}/input_schema`);
      if (res.ok) schema = await res.json();
    } catch {
      await new Promise((d) => setTimeout(d, 100));
    }
    if (child.exitCode !== null) break;
  }
  t.truthy(schema, `runner did not come up: ${log}`);
  t.like(schema as object, { properties: { input_value: { type: 'string' }, session_id: { type: 'string' } } });
  const res = await fetch(`${url}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { input_value: 'why?' } }) });
  t.is(res.status, 200);
  const body = (await res.json()) as { output: { text: string; outputs: Record<string, string> } };
  t.is(body.output.outputs['ChatOutput-o1'], 'Q: why? | lit {braces} | topic=graphs');
  t.is(body.output.text, body.output.outputs['ChatOutput-o2'] ?? 'missing');
});
