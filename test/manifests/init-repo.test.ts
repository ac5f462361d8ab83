/**
 * The repo bootstrap scripts inside the manifests (the k8s init container `init-repo`, the compose
 * `init` service) run for real here: sh, git, a bare remote and the real `flowc init`, with the
 * container paths (/repo, /etc/flowc) mapped to temp dirs. New remote → a fresh tenant repo; remote
 * with the tenant branch → that history is kept; a second start changes nothing; an unreachable
 * remote fails the start (the pod retries) instead of forking the history.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/gitrepo.js';
import { interpolate, parseEnvFile } from './compose-env.js';
import { build } from './kustomize-lite.js';

const exec = promisify(execFile);

interface Box {
  base: string;
  repo: string;
  remote: string;
  config: string;
  git(...args: string[]): Promise<string>;
  /** Runs the script with the container paths mapped into this box. */
  run(script: string, env: Record<string, string>): Promise<{ code: number; out: string }>;
  done(): void;
}

async function box(): Promise<Box> {
  const base = mkdtempSync(path.join(tmpdir(), 'flowc-init-repo-'));
  const repo = path.join(base, 'repo');
  const remote = path.join(base, 'remote.git');
  const bin = path.join(base, 'bin');
  mkdirSync(repo);
  mkdirSync(bin);
  mkdirSync(path.join(base, 'etc'));
  await exec('git', ['init', '-q', '--bare', remote]);
  // `flowc` on PATH, as in the image.
  writeFileSync(path.join(bin, 'flowc'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'bin/flowc.js'))} "$@"\n`, { mode: 0o755 });
  return {
    base,
    repo,
    remote,
    config: path.join(base, 'etc/flowc.yaml'),
    git: async (...args) => (await exec('git', ['-C', repo, ...args])).stdout.trim(),
    async run(script, env) {
      const mapped = script.replaceAll('/etc/flowc/', `${base}/etc/`).replaceAll('/repo', repo);
      try {
        const r = await exec('sh', ['-c', mapped], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: base, ...env } });
        return { code: 0, out: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, out: e.stdout + e.stderr };
      }
    },
    done: () => rmSync(base, { recursive: true, force: true }),
  };
}

const deployment = build(path.join(repoRoot, 'manifests/k8s/overlays/example-tenant')).find((o) => o.kind === 'Deployment') as any;
const configMap = build(path.join(repoRoot, 'manifests/k8s/overlays/example-tenant')).find((o) => o.kind === 'ConfigMap') as any;
const initContainer = deployment.spec.template.spec.initContainers[0];
const k8sScript: string = initContainer.args[0];
const k8sEnv = (b: Box, url = b.remote): Record<string, string> => ({
  ...Object.fromEntries(initContainer.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value])),
  TENANT_REPO_URL: url,
  GIT_TOKEN_FILE: path.join(b.base, 'git-token'),
});

test('k8s init-repo: fresh remote → tenant repo with the ConfigMap flowc.yaml committed; a second start changes nothing', async (t) => {
  const b = await box();
  try {
    writeFileSync(b.config, configMap.data['flowc.yaml']);
    writeFileSync(path.join(b.base, 'git-token'), 'not-a-real-token\n'); // exercises the header path
    const first = await b.run(k8sScript, k8sEnv(b));
    t.is(first.code, 0, first.out);
    t.is(await b.git('rev-parse', '--abbrev-ref', 'HEAD'), 'tenant/acme');
    t.is(readFileSync(path.join(b.repo, 'flowc.yaml'), 'utf8'), configMap.data['flowc.yaml']);
    t.deepEqual((await b.git('log', '--format=%s')).split('\n'), ['config: flowc.yaml from ConfigMap flowc-config', 'flowc init: tenant acme']);
    t.is(await b.git('status', '--porcelain'), '');
    t.false(readFileSync(path.join(b.repo, '.git/config'), 'utf8').includes('Authorization'), 'the token header never lands in .git/config');
    const head = await b.git('rev-parse', 'HEAD');
    const again = await b.run(k8sScript, k8sEnv(b));
    t.is(again.code, 0, again.out);
    t.is(await b.git('rev-parse', 'HEAD'), head);
  } finally {
    b.done();
  }
});

test("k8s init-repo: an existing tenant branch on the remote is the starting point (no new root commit)", async (t) => {
  const b = await box();
  try {
    writeFileSync(b.config, configMap.data['flowc.yaml']);
    // Another clone made the tenant branch earlier, with a flows/ history of its own.
    const other = path.join(b.base, 'other');
    await exec('git', ['clone', '-q', b.remote, other]);
    await exec('git', ['-C', other, 'switch', '-q', '-c', 'tenant/acme']);
    writeFileSync(path.join(other, 'flowc.yaml'), 'slug: acme\n');
    mkdirSync(path.join(other, 'flows'));
    writeFileSync(path.join(other, 'flows', 'a.json'), '{}\n');
    await exec('git', ['-C', other, 'add', '.']);
    await exec('git', ['-C', other, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qm', 'earlier history']);
    await exec('git', ['-C', other, 'push', '-q', 'origin', 'tenant/acme']);
    const tip = (await exec('git', ['-C', other, 'rev-parse', 'HEAD'])).stdout.trim();

    const r = await b.run(k8sScript, k8sEnv(b));
    t.is(r.code, 0, r.out);
    t.true((await b.git('log', '--format=%H')).split('\n').includes(tip), 'the remote history is kept');
    t.is(readFileSync(path.join(b.repo, 'flows/a.json'), 'utf8'), '{}\n');
    t.is(readFileSync(path.join(b.repo, 'flowc.yaml'), 'utf8'), configMap.data['flowc.yaml']);
    t.is(await b.git('rev-list', '--max-parents=0', 'HEAD'), (await exec('git', ['-C', other, 'rev-list', '--max-parents=0', 'HEAD'])).stdout.trim());
  } finally {
    b.done();
  }
});

test('k8s init-repo: an unreachable remote fails the start and commits nothing', async (t) => {
  const b = await box();
  try {
    writeFileSync(b.config, configMap.data['flowc.yaml']);
    const r = await b.run(k8sScript, k8sEnv(b, path.join(b.base, 'no-such-remote.git')));
    t.is(r.code, 1);
    t.regex(r.out, /init-repo: cannot read .*no-such-remote\.git/);
    t.is((await exec('git', ['-C', b.repo, 'rev-parse', '-q', '--verify', 'HEAD']).catch((e) => e)).code, 1, 'no commit made');
  } finally {
    b.done();
  }
});

test('compose init: the same bootstrap after ${VAR} substitution; idempotent', async (t) => {
  const b = await box();
  try {
    const env = parseEnvFile(readFileSync(path.join(repoRoot, 'manifests/compose/tenant.env.example'), 'utf8'));
    const compose = interpolate(parse(readFileSync(path.join(repoRoot, 'manifests/compose/compose.yaml'), 'utf8')), env) as any;
    const init = compose.services.init;
    const script: string = init.command[0];
    const vars = { ...init.environment, TENANT_REPO_URL: b.remote, GIT_TOKEN_FILE: path.join(b.base, 'absent-token') };
    const first = await b.run(script, vars);
    t.is(first.code, 0, first.out);
    t.is(await b.git('rev-parse', '--abbrev-ref', 'HEAD'), `tenant/${env.TENANT_SLUG}`);
    t.regex(readFileSync(path.join(b.repo, 'flowc.yaml'), 'utf8'), new RegExp(`slug: ${env.TENANT_SLUG}\\nstack_port: 41${env.TENANT_IDX}`));
    const head = await b.git('rev-parse', 'HEAD');
    t.is((await b.run(script, vars)).code, 0);
    t.is(await b.git('rev-parse', 'HEAD'), head);
  } finally {
    b.done();
  }
});
