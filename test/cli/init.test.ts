/** `flowc init`: a tenant repo ready to reconcile, on a real bare remote; idempotent; refusals. */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitIn } from '../helpers/gitrepo.js';
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
});

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
