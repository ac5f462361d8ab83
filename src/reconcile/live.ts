/**
 * The real side effects a pass runs with: git over the CLI, the compiler, the Python validator
 * (started lazily: a no-drift pass never pays Python's start-up), the secret guard and the
 * LangServe reload client. The CLI builds this; tests pass small fakes to `runPass` instead.
 */
import type { Config } from '../config/schema.js';
import { FlowcError } from '../errors.js';
import { createGit } from '../git/git.js';
import { registerSecret } from '../log.js';
import type { Validator } from '../python/validate.js';
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
  let compiler: typeof import('../codegen/compile.js') | undefined;
  const prepare = async () => {
    compiler ??= await import('../codegen/compile.js');
  };
  // Loaded on first use: a no-drift pass needs neither Python nor the HTTP client.
  const python = () => import('../python/validate.js');
  let validator: Promise<Validator> | undefined;
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
    scan: guard.scanForSecrets,
    check: async (files) => (await (validator ??= python().then((p) => p.createValidatorPool({ python: config.python, size: config.workers })))).check(files),
    smoke: async (paths) => (await python()).runSmokeTests({ python: config.python, repoRoot: config.repoRoot, paths }),
    reload: async (o) => (await import('../langserve/reload.js')).reloadHost(o),
    ...(config.notify.length ? { notify: async (slug, events) => (await import('../notify/send.js')).createNotifier(config.notify, config.notifySecret)(slug, events) } : {}),
    async close() {
      await (await validator)?.close();
    },
  };
}
