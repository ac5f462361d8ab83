/**
 * Small stand-ins for the compiler and the guard, so reconcile logic is tested on real git repos
 * without depending on every node generator. The real compiler is exercised by the CLI tests.
 * A fake flow is `{ "name": "...", "params": {...}, "position": ... }`; `"broken": true` fails it.
 */
import { sha256, withHeader } from '../../src/codegen/header.js';
import type { CompileOptions, CompileResult, GeneratedFile } from '../../src/codegen/types.js';
import { FlowcError } from '../../src/errors.js';
import { createGit } from '../../src/git/git.js';
import { loadConfig } from '../../src/config/load.js';
import type { PassDeps } from '../../src/reconcile/pass.js';

export const fakeFlow = (name: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, params, position: { x: 0, y: 0 }, ...extra }, null, 2);

export function fakeCompiler(generator: string) {
  const calls: string[] = [];
  const compileFlow = (source: Uint8Array, o: CompileOptions): CompileResult => {
    calls.push(o.file);
    let flow: { name?: string; params?: Record<string, unknown>; broken?: boolean; secret?: string };
    try {
      flow = JSON.parse(Buffer.from(source).toString('utf8'));
    } catch (err) {
      throw new FlowcError('flow', `not valid JSON: ${(err as Error).message}`, { where: { file: o.file }, hint: 'export the flow again from LangFlow' });
    }
    if (flow.broken) throw new FlowcError('flow', 'unknown component Frobnicator', { where: { file: o.file, nodeId: 'Frob-1', nodeType: 'Frobnicator' }, hint: 'remove the node' });
    const id = o.file.replace(/^.*\//, '').replace(/\.json$/, '');
    const mid = id.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const inputSha256 = sha256(JSON.stringify([flow.name, flow.params, flow.secret, generator, o.slug]));
    const sourceSha256 = sha256(source);
    const out = o.outputDir ?? 'app/flows';
    const mk = (path: string, body: string): GeneratedFile => ({ path, content: withHeader(body, { source: o.file, inputSha256, sourceSha256, generator }) });
    const files = [
      mk(`${out}/${o.slug}/flow_${mid}.py`, `FLOW_ID = ${JSON.stringify(id)}\nNAME = ${JSON.stringify(flow.name ?? id)}\nPARAMS = ${JSON.stringify(JSON.stringify(flow.params ?? {}))}\n${flow.secret ? `KEY = ${JSON.stringify(flow.secret)}\n` : ''}`),
      mk(`${out}/${o.slug}/runner_${mid}.py`, `RUNNER = ${JSON.stringify(id)}\n`),
      mk(`${o.testsDir ?? 'tests/smoke'}/test_${mid}.py`, `def test_${mid}():\n    assert True\n`),
    ];
    return { flowId: id, moduleId: mid, name: flow.name ?? id, endpoint: id, inputSha256, sourceSha256, files, warnings: [] };
  };
  const compileTenant = (o: { slug: string; outputDir?: string }): GeneratedFile[] => {
    const inputSha256 = sha256(JSON.stringify([generator, o.slug]));
    return [{ path: 'app/server.py', content: withHeader(`SLUG = ${JSON.stringify(o.slug)}\n`, { source: 'flowc.yaml', inputSha256, generator }) }];
  };
  return { compileFlow, compileTenant, calls };
}

/** Flags any line containing `sk-live-`: enough to test that the guard blocks a commit. */
export const fakeScan = (text: string, path: string) =>
  text.split('\n').flatMap((l, i) => (l.includes('sk-live-') ? [{ path, line: i + 1, rule: 'fake-key' }] : []));

export async function passDeps(repoDir: string, opts: { generator?: string; env?: Record<string, string> } = {}): Promise<PassDeps & { calls: string[] }> {
  const config = loadConfig(repoDir, { FLOWC_VALIDATE: 'none', ...opts.env });
  const git = createGit({ cwd: repoDir, ...(config.gitToken ? { token: config.gitToken } : {}) });
  const generator = opts.generator ?? sha256('gen-1');
  const c = fakeCompiler(generator);
  return { config, git, gitDir: await git.gitDir(), compileFlow: c.compileFlow, compileTenant: c.compileTenant, generatorDigest: generator, scan: fakeScan, sleep: async () => {}, calls: c.calls };
}
