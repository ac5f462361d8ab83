/**
 * The push token (GIT_TOKEN / GIT_TOKEN_FILE) authenticates a real smart-HTTP remote, and never
 * appears in .git/config, a remote URL, git's argv, a log line, an error, the state files or the
 * repository itself (acceptance 6: grep everywhere).
 */
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gitEnv } from '../../src/git/exec.js';
import { gitIn, tenantRepo } from '../helpers/gitrepo.js';
import { gitHttpServer } from '../helpers/githttp.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from '../cli/flowc.js';

const TOKEN = 'tok-Sup3rSecret-9f8e7d6c5b4a';
const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();

function grepTree(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size < 8 << 20) {
        const text = readFileSync(p).toString('latin1');
        if (needles.some((n) => text.includes(n))) hits.push(p);
      }
    }
  };
  walk(dir);
  return hits;
}

test('gitEnv: the auth header goes in GIT_CONFIG_* for remote calls only, never in argv', (t) => {
  const token = { read: () => TOKEN };
  const local = gitEnv({ token }, {});
  t.is(local.env.GIT_CONFIG_COUNT, undefined);
  const remote = gitEnv({ token, remote: true }, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.x', GIT_CONFIG_VALUE_0: 'y', GIT_TOKEN: TOKEN });
  t.is(remote.env.GIT_CONFIG_COUNT, '2');
  t.is(remote.env.GIT_CONFIG_KEY_1, 'http.extraHeader');
  t.is(remote.env.GIT_CONFIG_VALUE_1, `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
  t.is(remote.env.GIT_TERMINAL_PROMPT, '0');
  t.is(remote.env.GIT_TOKEN, undefined, 'GIT_TOKEN itself is not passed on to git and its hooks');
});

test('GIT_TOKEN and GIT_TOKEN_FILE push to an authenticated remote; the token is nowhere to be found', async (t) => {
  const r = await tenantRepo({ remote: false });
  const served = mkdtempSync(path.join(tmpdir(), 'flowc-served-'));
  const shim = mkdtempSync(path.join(tmpdir(), 'flowc-shim-'));
  t.teardown(async () => {
    await r.cleanup();
    rmSync(served, { recursive: true, force: true });
    rmSync(shim, { recursive: true, force: true });
  });
  await gitIn(served, 'init', '-q', '--bare', '-b', r.branch, 'tenant.git');
  await gitIn(path.join(served, 'tenant.git'), 'config', 'http.receivepack', 'true');
  const server = await gitHttpServer(served, TOKEN);
  t.teardown(() => server.close());
  await r.git('remote', 'add', 'origin', `${server.url}/tenant.git`);

  // Every git command flowc runs goes through this shim, which records its argv.
  const argvLog = path.join(shim, 'argv.log');
  mkdirSync(path.join(shim, 'bin'));
  writeFileSync(path.join(shim, 'bin/git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`);
  chmodSync(path.join(shim, 'bin/git'), 0o755);
  const env = { PATH: `${path.join(shim, 'bin')}:${process.env.PATH}`, FLOWC_VALIDATE: 'none', FLOWC_LOG_LEVEL: 'trace' };

  r.write('flows/a.json', chatFlow());
  const ok = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env: { ...env, GIT_TOKEN: TOKEN } });
  t.is(ok.code, 0, ok.stderr + ok.stdout);
  t.true(server.requests.some((q) => q.authorized && q.path.endsWith('/git-receive-pack')), 'pushed with the token');
  const remoteHead = await gitIn(path.join(served, 'tenant.git'), 'rev-parse', r.branch);
  t.is(remoteHead, await r.git('rev-parse', 'HEAD'));
  t.regex(await gitIn(path.join(served, 'tenant.git'), 'tag', '-l'), /^bld-acme-/);

  // Token from a file (e.g. a Vault agent's), read at push time.
  const tokenFile = path.join(shim, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  r.write('flows/b.json', chatFlow({ prompt: 'B' }));
  const viaFile = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env: { ...env, GIT_TOKEN_FILE: tokenFile } });
  t.is(viaFile.code, 0, viaFile.stderr);
  t.is(await gitIn(path.join(served, 'tenant.git'), 'rev-parse', r.branch), await r.git('rev-parse', 'HEAD'));

  // A wrong token: the push fails and is left pending, and the error names no token either.
  const WRONG = 'tok-Wr0ngSecret-000111222333';
  r.write('flows/c.json', chatFlow({ prompt: 'C' }));
  const bad = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env: { ...env, GIT_TOKEN: WRONG } });
  t.is(bad.code, 1);
  t.regex(bad.stdout, /push pending.*credentials/);
  const status = await flowc(['--repo', r.dir, 'status', '--json'], { env: { ...env, GIT_TOKEN: WRONG } });
  t.true(JSON.parse(status.stdout).push.pending);

  const b64 = (s: string) => Buffer.from(`x-access-token:${s}`).toString('base64');
  const needles = [TOKEN, b64(TOKEN), WRONG, b64(WRONG)];
  const outputs = [ok, viaFile, bad, status].map((x) => x.stdout + x.stderr).join('\n');
  t.true(outputs.length > 0);
  for (const n of needles) t.false(outputs.includes(n), 'not in stdout/stderr (logs, errors)');
  t.false(readFileSync(path.join(r.dir, '.git/config'), 'utf8').includes('tok-'), '.git/config');
  t.false((await r.git('remote', '-v')).includes('@'), 'no credentials in the remote URL');
  const argv = readFileSync(argvLog, 'utf8');
  t.regex(argv, /^push --porcelain/m);
  for (const n of needles) t.false(argv.includes(n), 'not in git argv');
  t.deepEqual(grepTree(r.dir, needles), [], 'not in the work tree, .git/ or .git/flowc state');
  t.deepEqual(grepTree(served, needles), [], 'not in the remote');
});
