/**
 * `flowc init`: a tenant repo ready to reconcile, on a real bare remote; idempotent; refusals; the
 * bootstrap files of issue 7 (.gitattributes marking generated files, the host's requirements.txt).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalName, CHECK_ONLY, LFX_ONLY, parsePins } from '../../src/codegen/requirements.js';
import { gitIn, repoRoot } from '../helpers/gitrepo.js';
import { havePython, runPython } from '../helpers/python.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

test('init makes a repo that reconciles and pushes; running it again changes nothing', async (t) => {
  const base = mkdtempSync(path.join(tmpdir(), 'flowc-init-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const remote = path.join(base, 'remote.git');
  await gitIn(base, 'init', '-q', '--bare', remote);
  const dir = path.join(base, 'tenant');
  const r = await flowc(['init', '--slug', 'acme', '--dir', dir, '--remote', remote, '--stack-port', '4101'], { env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.invalid' } });
  t.is(r.code, 0, r.stderr);
  t.is(await gitIn(dir, 'symbolic-ref', '--short', 'HEAD'), 'tenant/acme');
  t.is(readFileSync(path.join(dir, 'flowc.yaml'), 'utf8').match(/^(slug|stack_port): .*$/gm)!.join(','), 'slug: acme,stack_port: 4101');
  t.true(existsSync(path.join(dir, 'flows/.gitkeep')));
  t.regex(readFileSync(path.join(dir, '.gitignore'), 'utf8'), /__pycache__\//);
  t.regex(readFileSync(path.join(dir, '.gitignore'), 'utf8'), /^\.flowc-data\/$/m, 'chat history and vector-store indexes are not committed');
  t.regex(readFileSync(path.join(dir, '.gitignore'), 'utf8'), /^\.langgraph_api\/$/m, 'nor what langgraph dev keeps');
  t.is(await gitIn(dir, 'remote', 'get-url', 'origin'), remote);
  t.is(await gitIn(dir, 'log', '--format=%s'), 'flowc init: tenant acme');
  t.true(existsSync(path.join(dir, '.git/hooks/pre-commit')));
  t.is(await gitIn(dir, 'status', '--porcelain'), '');

  const again = await flowc(['init', '--slug', 'acme', '--dir', dir, '--remote', remote]);
  t.is(again.code, 0, again.stderr);
  t.is(await gitIn(dir, 'rev-list', '--count', 'HEAD'), '1');

  writeFileSync(path.join(dir, 'flows/a.json'), chatFlow());
  const once = await flowc(['--repo', dir, 'reconcile', '--once'], { env: { FLOWC_VALIDATE: 'none', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.invalid' } });
  t.is(once.code, 0, once.stderr + once.stdout);
  t.is(await gitIn(remote, 'rev-parse', 'tenant/acme'), await gitIn(dir, 'rev-parse', 'HEAD'));
  t.deepEqual((await gitIn(dir, 'show', '--name-only', '--format=', 'HEAD~1')).split('\n').sort(), ['.gitattributes', '.gitignore', 'flowc.yaml', 'flows/.gitkeep', 'requirements-flows.txt', 'requirements.txt']);

  // Every generated file is linguist-generated (asked of git itself); the flow and the config are not.
  const generated = (await gitIn(dir, 'ls-files', 'app', 'tests')).split('\n').filter(Boolean);
  t.deepEqual(generated, ['app/flows/acme/flow_a.md', 'app/flows/acme/flow_a.py', 'app/flows/acme/flowc_runtime.py', 'app/flows/acme/runner_a.py', 'app/server.py', 'tests/smoke/conftest.py', 'tests/smoke/test_a.py']);
  t.deepEqual(await attr(dir, [...generated, 'requirements-flows.txt', 'flows/a.json', 'flowc.yaml', 'requirements.txt']), [...generated.map(() => 'true'), 'true', 'unspecified', 'unspecified', 'unspecified']);
});

const attr = async (dir: string, paths: string[]) =>
  (await gitIn(dir, 'check-attr', 'linguist-generated', '--', ...paths)).split('\n').map((l) => l.split(': ').pop());

test('.gitattributes follows flowc.yaml\'s output dirs and keeps the user\'s lines; a second init adds nothing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'flowc.yaml'), 'slug: acme\noutput_dir: gen/flows\ntests_dir: gen/tests\n');
  writeFileSync(path.join(dir, '.gitattributes'), '*.png binary\n');
  t.is((await flowc(['init', '--slug', 'acme', '--dir', dir, '--no-hooks'])).code, 0);
  const text = readFileSync(path.join(dir, '.gitattributes'), 'utf8');
  t.is(text, '*.png binary\ngen/flows/** linguist-generated=true\ngen/tests/** linguist-generated=true\napp/server.py linguist-generated=true\nlanggraph.json linguist-generated=true\nrequirements-flows.txt linguist-generated=true\n');
  t.deepEqual(await attr(dir, ['gen/flows/acme/flow_x.py', 'gen/tests/test_x.py', 'app/server.py', 'langgraph.json', 'app/flows/acme/flow_x.py']), ['true', 'true', 'true', 'true', 'unspecified']);
  const again = await flowc(['init', '--slug', 'acme', '--dir', dir, '--no-hooks']);
  t.is(again.code, 0, again.stderr);
  t.is(readFileSync(path.join(dir, '.gitattributes'), 'utf8'), text);
  t.is(await gitIn(dir, 'status', '--porcelain'), '');
});

test('requirements.txt: flowc\'s exact pins minus the check-only tools and lfx\'s, including requirements-flows.txt; enough to run the host', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is((await flowc(['init', '--slug', 'acme', '--dir', dir, '--no-hooks'])).code, 0);
  const text = readFileSync(path.join(dir, 'requirements.txt'), 'utf8');
  const tenant = parsePins(text);
  const flowcPins = parsePins(readFileSync(path.join(repoRoot, 'python/requirements.txt'), 'utf8'));
  // Every line is one of flowc's pins, verbatim; every pin but black/pytest, lfx and their own deps is there.
  t.deepEqual(tenant.map((p) => p.line), flowcPins.filter((p) => !CHECK_ONLY.has(canonicalName(p.name)) && !LFX_ONLY.has(canonicalName(p.name))).map((p) => p.line));
  t.regex(text, /^-r requirements-flows\.txt$/m, 'the flows\' generated requirements are included');
  const flows = readFileSync(path.join(dir, 'requirements-flows.txt'), 'utf8');
  t.deepEqual(parsePins(flows), [], 'no flow yet, so nothing beyond the base');
  t.regex(flows, /^# flowc: source=flowc\.yaml /m, 'a generated tenant file');
  const names = new Set(tenant.map((p) => canonicalName(p.name)));
  for (const tool of ['black', 'pytest', 'lfx', 'langchain-community']) t.false(names.has(tool), tool);
  for (const need of ['langserve', 'fastapi', 'uvicorn', 'langchain-core', 'langgraph', 'langchain-openai', 'sse-starlette', 'psycopg']) t.true(names.has(need), need);
  // A user's own requirements.txt is never overwritten.
  writeFileSync(path.join(dir, 'requirements.txt'), 'mine==1.0\n');
  t.is((await flowc(['init', '--slug', 'acme', '--dir', dir, '--no-hooks'])).code, 0);
  t.is(readFileSync(path.join(dir, 'requirements.txt'), 'utf8'), 'mine==1.0\n');

  // Could the host be set up from it? Every distribution the templates' imports come from, with
  // everything those require (markers evaluated), must be in the base; what lfx and the components
  // it runs need beyond that must be exactly LFX_ONLY. Asked of flowc's own venv's metadata in one
  // Python start-up; nothing is installed.
  if (!havePython()) return t.log('no flowc venv (scripts/pyenv.sh): the dependency-closure check is skipped');
  const modules = new Set<string>(['sse_starlette']); // langserve's server side (add_routes) imports it
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      // The smoke tests run under pytest, one of flowc's check-only tools, not in the host.
      else if (e.name.startsWith('smoke_')) continue;
      else for (const m of readFileSync(path.join(d, e.name), 'utf8').matchAll(/^\s*(?:from|import)\s+([A-Za-z_]\w*)/gm)) modules.add(m[1]!);
    }
  };
  walk(path.join(repoRoot, 'templates'));
  t.true(modules.delete('lfx'), 'the runtime imports lfx (lazily, for components run from their source)');
  const py = await runPython(['-c', CLOSURE, [...modules].join(',')]);
  t.is(py.code, 0, py.stderr);
  const { base, lfx, unmapped } = JSON.parse(py.stdout) as { base: string[]; lfx: string[]; unmapped: string[] };
  if (unmapped.length) t.log(`imported by templates but from no installed distribution: ${unmapped.join(', ')}`);
  t.true(base.length > 40, 'the closure was computed');
  t.deepEqual(base.filter((n) => !names.has(n)), [], 'needed by the host but not in its base pins');
  const lfxOnly = lfx.filter((n) => !base.includes(n));
  t.deepEqual([...LFX_ONLY].filter((n) => !lfxOnly.includes(n)), [], 'in LFX_ONLY but needed by the host itself, or by nothing');
  t.deepEqual(lfxOnly.filter((n) => !LFX_ONLY.has(n)), [], 'needed only by lfx but not in LFX_ONLY');
  t.deepEqual(base.filter((n) => CHECK_ONLY.has(n)), [], 'check-only but needed by the host');
});

const CLOSURE = `
import importlib.metadata as md, json, re, sys
from packaging.requirements import Requirement
canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()
dists = md.packages_distributions()
roots, unmapped = set(), []
for m in sys.argv[1].split(","):
    if m in sys.stdlib_module_names or m == "__future__":
        continue
    if m not in dists:
        unmapped.append(m)
    roots.update(canon(d) for d in dists.get(m, []))
def closure(roots):
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for r in md.distribution(n).requires or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canon(req.name))
    return seen
# LangFlow's components import langchain_community without lfx requiring it.
print(json.dumps({"base": sorted(closure(roots)), "lfx": sorted(closure({"lfx", "langchain-community"})), "unmapped": sorted(unmapped)}))
`;

test('init refuses another slug, a bad slug and a remote URL carrying credentials', async (t) => {
  const base = mkdtempSync(path.join(tmpdir(), 'flowc-init-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  t.is((await flowc(['init', '--slug', 'acme', '--dir', base, '--no-hooks'])).code, 0);
  t.false(existsSync(path.join(base, '.git/hooks/pre-commit')));
  const other = await flowc(['init', '--slug', 'beta', '--dir', base]);
  t.is(other.code, 2);
  t.regex(other.stderr, /already names slug acme/);
  t.is((await flowc(['init', '--slug', 'Not_A_Slug', '--dir', base])).code, 2);
  const creds = await flowc(['init', '--slug', 'acme', '--dir', base, '--remote', 'https://user:tok-123456@example.invalid/x.git']);
  t.is(creds.code, 2);
  t.regex(creds.stderr, /GIT_TOKEN/);
  t.false(creds.stderr.includes('tok-123456'));
});
