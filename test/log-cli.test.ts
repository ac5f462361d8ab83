/**
 * The log level reaches every module through the CLI: `--log-level` (default FLOWC_LOG_LEVEL)
 * is applied before the command runs, and a bad value is a usage error (exit 2), not a crash.
 * Uses the reload client's debug line (a host that refuses) as the probe.
 */
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { tenantRepo } from './helpers/gitrepo.js';
import { logLines, repoRoot, runNode } from './telemetry/child.js';

const bin = path.join(repoRoot, 'bin/flowc.js');

async function refusedUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

test('--log-level debug shows debug lines that the default level hides; FLOWC_LOG_LEVEL is the default', async (t) => {
  const host = await refusedUrl();
  const repo = await tenantRepo({ slug: 'acme', config: `validate: none\nlangserve:\n  url: ${host}\n` });
  t.teardown(() => repo.cleanup());
  repo.write('flows/chat.json', await import('node:fs').then((fs) => fs.readFileSync(path.join(repoRoot, 'test/fixtures/reconcile/chat.json'))));
  const env = { LANGSERVE_RESTART_TOKEN: 'log-level-token-123', FLOWC_RELOAD_RETRIES: '1', FLOWC_RELOAD_BACKOFF_MS: '1' };
  const retrying = (stderr: string) => logLines(stderr).filter((l) => l.level === 'debug' && /reload: retrying/.test(String(l.msg)));

  // The first pass builds (at least the tenant files) and its reload fails; every later pass retries it.
  const quiet = await runNode([bin, 'reconcile', '--once'], env, { cwd: repo.dir });
  t.deepEqual(retrying(quiet.stderr), [], 'info (default) hides debug');
  const loud = await runNode([bin, '--log-level', 'debug', 'reconcile', '--once'], env, { cwd: repo.dir });
  t.true(retrying(loud.stderr).length >= 1, loud.stderr);
  const byEnv = await runNode([bin, 'reconcile', '--once'], { ...env, FLOWC_LOG_LEVEL: 'debug' }, { cwd: repo.dir });
  t.true(retrying(byEnv.stderr).length >= 1, 'a pending reload is retried on the next pass, at debug via FLOWC_LOG_LEVEL');
  for (const r of [quiet, loud, byEnv]) t.false(r.stderr.includes('log-level-token-123'));
});

test('an unknown level is a usage error naming the accepted ones', async (t) => {
  const r = await runNode([bin, '--log-level', 'loud', 'status'], {});
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown log level "loud".*trace, debug, info, warn, error/);
  const byEnv = await runNode([bin, 'status'], { FLOWC_LOG_LEVEL: 'chatty' });
  t.is(byEnv.code, 2);
  t.regex(byEnv.stderr, /unknown log level "chatty"/);
});
