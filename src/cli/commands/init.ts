/**
 * `flowc init --slug <slug> [--dir D] [--remote URL] [--stack-port P] [--no-hooks]`: makes a
 * tenant repo ready to reconcile (what `create_tenant.ps1` did): git repo on `tenant/<slug>`,
 * `flows/`, `flowc.yaml`, `.gitignore`, `.gitattributes` (generated files `linguist-generated`),
 * `requirements.txt` (the host's pinned Python environment, which includes the generated
 * `requirements-flows.txt`), remote `origin` when given, flowc's
 * git hooks, one commit. Safe to run again: existing files are kept (missing lines are added), a
 * different slug or remote is refused.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileFlowsRequirements } from '../../codegen/requirements.js';
import { CONFIG_FILE, loadConfig } from '../../config/load.js';
import { SLUG_RE } from '../../config/schema.js';
import { FlowcError } from '../../errors.js';
import { createGit } from '../../git/git.js';
import { generatedAttributes, hostRequirements, mergeLines } from '../bootstrap.js';

export interface InitOptions {
  repo: string;
  slug: string;
  dir?: string;
  remote?: string;
  stackPort?: string;
  hooks?: boolean;
}

export async function run(o: InitOptions): Promise<number> {
  if (!SLUG_RE.test(o.slug)) throw new FlowcError('usage', `invalid slug ${JSON.stringify(o.slug)}`, { hint: 'lowercase letters, digits and dashes, e.g. acme-support' });
  if (o.remote && (/^https?:\/\/[^/@]+@/i.test(o.remote) || /:\/\/[^/@]*:[^/@]*@/.test(o.remote))) {
    throw new FlowcError('usage', 'the remote URL carries credentials', { hint: 'give the plain URL and put the token in GIT_TOKEN or GIT_TOKEN_FILE' });
  }
  if (o.stackPort !== undefined && !/^\d{1,5}$/.test(o.stackPort)) throw new FlowcError('usage', `invalid --stack-port ${o.stackPort}`);
  const dir = path.resolve(o.repo, o.dir ?? '.');
  const branch = `tenant/${o.slug}`;
  await mkdir(dir, { recursive: true });
  const git = createGit({ cwd: dir });
  const say = (s: string) => process.stdout.write(`${s}\n`);

  if (!existsSync(path.join(dir, '.git'))) {
    await git.run(['init', '-q', '-b', branch]);
    say(`initialised git repo in ${dir} on ${branch}`);
  } else if ((await git.currentBranch()) !== branch) {
    const exists = await git.resolve(`refs/heads/${branch}`);
    if (!(await git.head())) await git.run(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    else await git.run(exists ? ['switch', '-q', branch] : ['switch', '-q', '-c', branch]);
    say(`on branch ${branch}`);
  }

  const cfg = path.join(dir, CONFIG_FILE);
  if (existsSync(cfg)) {
    const slug = /^slug:\s*(\S+)/m.exec(await readFile(cfg, 'utf8'))?.[1];
    if (slug !== o.slug) throw new FlowcError('usage', `${CONFIG_FILE} already names slug ${slug ?? '(none)'}`, { where: { file: cfg }, hint: 'edit it by hand, or init another directory' });
  } else {
    await writeFile(cfg, `# flowc tenant config — keys: docs/reconcile.md\nslug: ${o.slug}\n${o.stackPort ? `stack_port: ${o.stackPort}\n` : ''}`);
    say(`wrote ${CONFIG_FILE}`);
  }
  await mkdir(path.join(dir, 'flows'), { recursive: true });
  if (!existsSync(path.join(dir, 'flows', '.gitkeep'))) await writeFile(path.join(dir, 'flows', '.gitkeep'), '');
  const ignore = path.join(dir, '.gitignore');
  const current = existsSync(ignore) ? await readFile(ignore, 'utf8') : '';
  // `.flowc-data/`: the host's chat history and vector-store indexes (FLOWC_DATA_DIR's default) are
  // data, not source; `.langgraph_api/` is what `langgraph dev` keeps beside langgraph.json.
  const want = ['__pycache__/', '*.pyc', '.venv/', '.flowc-data/', '.langgraph_api/'].filter((l) => !current.split('\n').includes(l));
  if (want.length) await writeFile(ignore, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${want.join('\n')}\n`);

  // The committed file decides where generated code lives (environment overrides are a deployment's).
  const config = loadConfig(dir, {});
  const attributes = path.join(dir, '.gitattributes');
  const had = existsSync(attributes) ? await readFile(attributes, 'utf8') : '';
  const merged = mergeLines(had, generatedAttributes(config));
  if (merged !== had) {
    await writeFile(attributes, merged);
    say('wrote .gitattributes (generated files: linguist-generated)');
  }
  const requirements = path.join(dir, 'requirements.txt');
  if (!existsSync(requirements)) {
    await writeFile(requirements, hostRequirements(o.slug));
    say('wrote requirements.txt (the LangServe host\'s pinned Python environment)');
  }
  // requirements.txt includes it, so pip can install before the first build writes it.
  const flowsRequirements = compileFlowsRequirements({});
  if (!existsSync(path.join(dir, flowsRequirements.path))) await writeFile(path.join(dir, flowsRequirements.path), flowsRequirements.content);

  if (o.remote) {
    const have = await git.run(['remote', 'get-url', 'origin'], { allowFail: true });
    if (have.code !== 0) await git.run(['remote', 'add', 'origin', o.remote]);
    else if (have.stdout.trim() !== o.remote) throw new FlowcError('usage', `remote origin already points elsewhere`, { hint: 'git remote set-url origin <url> if that is meant' });
    say(`remote origin: ${o.remote}`);
  }

  if (o.hooks !== false) {
    const { installHooks } = await import('../../git/hooks.js');
    for (const r of await installHooks({ repoRoot: dir })) say(`hook ${r.hook}: ${r.action}`);
  }

  await git.run(['add', '--', CONFIG_FILE, 'flows/.gitkeep', '.gitignore', '.gitattributes', 'requirements.txt', flowsRequirements.path]);
  const staged = await git.run(['diff', '--cached', '--quiet'], { allowFail: true });
  if (staged.code !== 0) {
    const ident = await git.run(['var', 'GIT_COMMITTER_IDENT'], { allowFail: true });
    const env: Record<string, string> = ident.code === 0 ? {} : { GIT_AUTHOR_NAME: 'flowc', GIT_AUTHOR_EMAIL: 'flowc@localhost', GIT_COMMITTER_NAME: 'flowc', GIT_COMMITTER_EMAIL: 'flowc@localhost' };
    await git.run(['commit', '-q', '--no-verify', '-m', `flowc init: tenant ${o.slug}`], { env });
    say(`committed flowc init on ${branch}`);
  }
  say(`ready: flowc reconcile --repo ${dir}${o.remote ? ' (pushes to origin)' : ''}`);
  return 0;
}
