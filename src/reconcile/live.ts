/**
 * The real side effects a pass runs with: git over the CLI, the compiler, the Python validator
 * (started lazily: a no-drift pass never pays Python's start-up), the secret guard and the
 * LangServe reload client. The CLI builds this; tests pass small fakes to `runPass` instead.
 */
import { sha256 } from '../codegen/header.js';
import type { GeneratedFile } from '../codegen/types.js';
import type { Config } from '../config/schema.js';
import { FlowcError } from '../errors.js';
import { createGit } from '../git/git.js';
import { registerSecret } from '../log.js';
import type { CheckResult, Validator } from '../python/validate.js';
import type { PassDeps } from './pass.js';

export interface LiveDeps extends PassDeps {
  close(): Promise<void>;
}

export async function liveDeps(config: Config, env: Record<string, string | undefined> = process.env): Promise<LiveDeps> {
  const token = config.gitToken;
  if (token) registerSecret(token.read());
  registerSecret(config.langserve.token);
  // A notification URL may carry a token (Slack's do): never logged.
  for (const target of config.notify) registerSecret(target.url);
  const git = createGit({ cwd: config.repoRoot, ...(token ? { token } : {}), ...(env.GIT_TOKEN_USER ? { tokenUser: env.GIT_TOKEN_USER } : {}) });
  const gitDir = await git.gitDir().catch((err: unknown) => {
    throw new FlowcError('git', `${config.repoRoot} is not a git repository`, { cause: err, hint: 'run `flowc init --slug <slug>` there, or pass --repo' });
  });
  // The compiler (zod flow schema, every node generator) loads on first need: the no-drift pass
  // recognises flows by hash and the tenant files by their headers (DESIGN §5), so it never does.
  // tenant.js gives the tenant files' input hashes; liquidjs loads only when it renders.
  const [tenant, render, guard] = await Promise.all([import('../codegen/tenant.js'), import('../codegen/render.js'), import('../guard/secrets.js')]);
  // Checks started while the pass was still compiling, by path and content; `check` takes them.
  const early = new Map<string, Promise<CheckResult>>();
  const key = (f: GeneratedFile) => `${f.path}\0${sha256(f.content)}`;
  let compiler: typeof import('../codegen/compile.js') | undefined;
  // Files the early checks found free of secrets, by path: apply's guard does not scan them again.
  const clean = new Map<string, string>();
  const prepare = async () => {
    early.clear(); // a new pass compiles: what an earlier one started and never took is stale
    clean.clear();
    compiler ??= await import('../codegen/compile.js');
  };
  // Loaded on first use: a no-drift pass needs neither Python nor the HTTP client.
  const python = () => import('../python/validate.js');
  let validator: Promise<Validator> | undefined;
  const pool = () => (validator ??= python().then((p) => p.createValidatorPool({ python: config.python, size: config.workers })));
  return {
    config,
    git,
    gitDir,
    prepare,
    compileFlow: (source, options) => {
      if (!compiler) throw new Error('compileFlow called before prepare(): the compiler is not loaded');
      return compiler.compileFlow(source, options);
    },
    compileTenant: tenant.compileTenant,
    tenantInputs: tenant.tenantInputs,
    generatorDigest: render.GENERATOR_DIGEST,
    scan: (text, file) => (clean.get(file) === text ? [] : guard.scanForSecrets(text, file)),
    // A file with a secret is never sent: apply refuses it before validating anything.
    precheck: (files) => {
      const python = files.filter((f) => f.path.endsWith('.py') && guard.scanForSecrets(f.content, f.path).length === 0);
      if (python.length === 0) return;
      for (const f of python) clean.set(f.path, f.content);
      const results = pool().then((v) => v.check(python));
      results.catch(() => {}); // a checker that dies is reported by `check`, which waits on this
      python.forEach((f, i) => early.set(key(f), results.then((r) => r[i]!)));
    },
    // apply asks flow by flow (and writes each flow's files once they pass).
    check: async (files) => {
      const keys = files.map(key);
      const started = keys.map((k) => early.get(k));
      keys.forEach((k) => early.delete(k));
      const rest = files.filter((_, i) => !started[i]);
      const checked = rest.length ? await (await pool()).check(rest) : [];
      const byPath = new Map(checked.map((r) => [r.path, r]));
      return Promise.all(files.map(async (f, i) => (started[i] ? { ...(await started[i]!), path: f.path } : byPath.get(f.path)!)));
    },
    smoke: async (paths) => (await python()).runSmokeTests({ python: config.python, repoRoot: config.repoRoot, paths }),
    reload: async (o) => (await import('../langserve/reload.js')).reloadHost(o),
    ...(config.notify.length ? { notify: async (slug, events) => (await import('../notify/send.js')).createNotifier(config.notify, config.notifySecret)(slug, events) } : {}),
    async close() {
      await (await validator)?.close();
    },
  };
}
