/**
 * Issue 15 #2: each flow's diagram (`flow_<id>.md`, a Mermaid flowchart beside its module) is
 * valid Mermaid and names every node: the real `mermaid` package parses and renders every fixture
 * flow's diagram in a real headless Chromium; a broken one is rejected (the check can fail).
 * `flowc graph` prints the same diagram.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFlow } from '../../src/codegen/compile.js';
import { parseHeader } from '../../src/codegen/header.js';
import { isFlowcError } from '../../src/errors.js';
import { loadFlow } from '../../src/langflow/index.js';
import { browserPath, launchBrowser } from '../helpers/browser.js';
import { exec, repoRoot } from '../helpers/python.js';
import { basicChat } from './flowkit.js';

const FIXTURES = join(repoRoot, 'test/fixtures/flows');
const MERMAID = join(repoRoot, 'node_modules/mermaid/dist/mermaid.min.js');
const block = (md: string) => /```mermaid\n([\s\S]*?)```/.exec(md)![1]!;

/** Every project fixture flow that compiles: its diagram and its nodes' display names. */
function diagrams(): Array<{ file: string; md: string; names: string[] }> {
  const out = [];
  for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.json')).sort()) {
    const bytes = readFileSync(join(FIXTURES, f));
    try {
      const r = compileFlow(bytes, { file: `flows/${f}`, slug: 'acme' });
      const md = parseHeader(r.files.find((x) => x.path.endsWith('.md'))!.content)!.body;
      out.push({ file: f, md, names: loadFlow(bytes, `flows/${f}`).nodes.map((n) => n.displayName) });
    } catch (err) {
      if (!isFlowcError(err)) throw err;
    }
  }
  return out;
}

test('every diagram names every node and edge source in its Mermaid block', (t) => {
  const all = diagrams();
  t.true(all.length >= 10, `${all.length} fixture diagrams`);
  for (const d of all) {
    const mermaid = block(d.md);
    t.regex(mermaid, /^flowchart LR\n/, d.file);
    for (const name of d.names) t.true(d.md.includes(name.replace(/"/g, '#quot;')), `${d.file}: ${name} named`);
  }
});

(browserPath() ? test : test.skip)('the real mermaid parses and renders each diagram in headless Chromium; a broken one is rejected', async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await page.addScriptTag({ path: MERMAID });
  await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
  const render = (text: string, id: string) =>
    page.evaluate(async (src: string, el: string) => {
      const m = (globalThis as unknown as { mermaid: { parse(s: string): Promise<unknown>; render(id: string, s: string): Promise<{ svg: string }> } }).mermaid;
      try {
        await m.parse(src);
        const { svg } = await m.render(el, src);
        const holder = document.createElement('div');
        holder.innerHTML = svg;
        return { ok: true, text: holder.textContent ?? '' };
      } catch (err) {
        return { ok: false, text: String((err as Error).message ?? err) };
      }
    }, text, id);
  // Hostile display names: quotes, brackets, arrows, markup, Mermaid's comment and entity signs.
  const hostile = basicChat() as { data: { nodes: Array<{ data: { node: { display_name: string } } }> } };
  const names = ['A"] --> B[" & C', '<script>alert(1)</script>', '%% not a comment #quot; #35;', 'click n0 call x()'];
  names.forEach((n, i) => (hostile.data.nodes[i]!.data.node.display_name = n));
  const hostileMd = parseHeader(compileFlow(JSON.stringify(hostile), { file: 'flows/hostile.json', slug: 'acme' }).files.find((x) => x.path.endsWith('.md'))!.content)!.body;
  const all = [...diagrams(), { file: 'hostile', md: hostileMd, names: names.filter((n) => !n.includes('#')) }];
  for (const [i, d] of all.entries()) {
    const r = await render(block(d.md), `d${i}`);
    t.true(r.ok, `${d.file}: ${r.text}`);
    for (const name of d.names) t.true(r.text.includes(name), `${d.file}: the rendered diagram shows ${name}`);
  }
  const broken = await render('flowchart LR\n  a["unclosed --> b', 'broken');
  t.false(broken.ok, 'a malformed diagram is rejected');
});

test('flowc graph prints the diagram a build writes', async (t) => {
  const file = join(FIXTURES, 'memory_chat.json');
  const r = await exec(process.execPath, [join(repoRoot, 'bin/flowc.js'), 'graph', file], { cwd: repoRoot });
  t.is(r.code, 0, r.stderr);
  const built = compileFlow(readFileSync(file), { file: 'test/fixtures/flows/memory_chat.json', slug: 'default' }).files.find((f) => f.path.endsWith('.md'))!;
  t.is(r.stdout, parseHeader(built.content)!.body);
  const missing = await exec(process.execPath, [join(repoRoot, 'bin/flowc.js'), 'graph', 'no-such-flow.json'], { cwd: repoRoot });
  t.not(missing.code, 0);
  t.regex(missing.stderr, /no-such-flow\.json: cannot read the flow/);
});
