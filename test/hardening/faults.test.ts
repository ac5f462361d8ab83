/**
 * Issue 9 (1): kill -9 at every named point of a pass (FLOWC_FAULT), several times each, then a
 * normal restart. After it: the repo converges, no flow is lost, nothing half-written is committed,
 * no two tags record the same content, no stale lock blocks, the push lands and the host reloads.
 */
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { bodyIntact, parseHeader } from '../../src/codegen/header.js';
import { FAULT_POINTS } from '../../src/reconcile/faults.js';
import { gitIn, tenantRepo, type TenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from '../cli/flowc.js';

const ROUNDS = 3;

/** A stand-in LangServe host: answers POST /restart slowly, so a kill can land mid-request; counts reloads its caller saw. */
async function stubHost(): Promise<{ url: string; restarts: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/restart' || req.headers.authorization !== 'Bearer t0ken') {
        res.writeHead(401).end('{}');
        return;
      }
      setTimeout(() => {
        if (req.socket.destroyed) return; // the caller died mid-request: it never learnt of this reload
        n++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ generation: n, routes: [], commit: null }));
      }, 400);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, restarts: () => n, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Every committed generated file at `rev` has an intact header (not half-written, not hand-made). */
async function intactAt(r: TenantRepo, rev: string): Promise<string[]> {
  const bad: string[] = [];
  const files = (await r.git('ls-tree', '-r', '--name-only', rev)).split('\n').filter((f) => f.endsWith('.py'));
  for (const f of files) {
    const parsed = parseHeader(`${await r.git('show', `${rev}:${f}`)}\n`);
    if (!parsed || !bodyIntact(parsed)) bad.push(`${rev}:${f}`);
  }
  return bad;
}

for (const point of FAULT_POINTS) {
  test.serial(`kill -9 at ${point}, ${ROUNDS} times; a normal restart converges with nothing lost`, async (t) => {
    const r = await tenantRepo();
    const host = await stubHost();
    t.teardown(async () => {
      await host.close();
      await r.cleanup();
    });
    const env = { FLOWC_VALIDATE: 'none', FLOWC_LANGSERVE_URL: host.url, LANGSERVE_RESTART_TOKEN: 't0ken', FLOWC_RELOAD_RETRIES: '0' };
    const expected = new Map<string, string>();
    const put = (id: string, content: string) => {
      r.write(`flows/${id}.json`, content);
      expected.set(id, content);
    };
    put('keep', chatFlow({ prompt: 'Always here.' }));

    for (let round = 1; round <= ROUNDS; round++) {
      // Every round changes something of each kind: a new flow, an edit, a removal.
      put(`new${round}`, chatFlow({ prompt: `Added in round ${round}.` }));
      put('keep', chatFlow({ prompt: `Edited in round ${round}.` }));
      if (round > 1) {
        r.remove(`flows/new${round - 1}.json`);
        expected.delete(`new${round - 1}`);
      }
      const crashed = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env: { ...env, FLOWC_FAULT: point } });
      t.is(crashed.code, null, `round ${round}: the fault at ${point} was reached and killed flowc (${crashed.stderr}${crashed.stdout})`);
      t.true(existsSync(path.join(r.dir, '.git/flowc/lock')), 'the dead process left its lock behind (the restart must take it over)');

      const restarted = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env });
      t.is(restarted.code, 0, `round ${round}: restart converges: ${restarted.stderr}${restarted.stdout}`);
    }

    // Converged: a further pass changes nothing; nothing generated is left uncommitted.
    const again = await flowc(['--repo', r.dir, 'reconcile', '--once'], { env });
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /in sync/);
    t.is(await r.git('status', '--porcelain', '--untracked-files=all', 'app', 'tests', 'flows'), '');

    // No flow lost: HEAD holds exactly the flows written last, byte for byte, each with its outputs.
    const tree = new Set((await r.git('ls-tree', '-r', '--name-only', 'HEAD')).split('\n'));
    t.deepEqual([...tree].filter((f) => f.startsWith('flows/') && f.endsWith('.json')).sort(), [...expected.keys()].map((id) => `flows/${id}.json`).sort());
    for (const [id, content] of expected) {
      t.is(await r.git('show', `HEAD:flows/${id}.json`), content.trim(), id);
      for (const f of [`app/flows/acme/flow_${id}.py`, `app/flows/acme/runner_${id}.py`, `tests/smoke/test_${id}.py`]) t.true(tree.has(f), f);
    }
    t.false(tree.has(`app/flows/acme/flow_new${ROUNDS - 1}.py`), 'outputs of a removed flow are gone');

    // Nothing half-written committed, at HEAD or at any build.
    const tags = (await r.git('tag', '-l', 'bld-acme-*')).split('\n').filter(Boolean);
    t.true(tags.length >= ROUNDS);
    for (const rev of ['HEAD', ...tags]) t.deepEqual(await intactAt(r, rev), [], rev);

    // No duplicate tag for the same content: every build tag names its own commit and tree.
    const trees = await Promise.all(tags.map((tag) => r.git('rev-parse', `${tag}^{tree}`)));
    t.is(new Set(trees).size, tags.length, 'two tags record the same tree');

    // No stale lock, no leftover temp or private index.
    const flowcDir = path.join(r.dir, '.git/flowc');
    t.false(existsSync(path.join(flowcDir, 'lock')));
    t.deepEqual(readdirSync(flowcDir).filter((f) => f.startsWith('lock.')), []);

    // The push landed: the remote has our branch tip and every build tag.
    t.is(await gitIn(r.remote!, 'rev-parse', `refs/heads/${r.branch}`), await r.git('rev-parse', 'HEAD'));
    const remoteTags = new Set((await gitIn(r.remote!, 'tag', '-l', 'bld-acme-*')).split('\n').filter(Boolean));
    for (const tag of tags) t.true(remoteTags.has(tag), `${tag} pushed`);

    // The reload landed after the last build, and nothing is left pending.
    const state = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(flowcDir, 'state.json'), 'utf8')));
    t.false(state.push.pending);
    t.false(state.reload.pending);
    t.true(host.restarts() >= ROUNDS, `${host.restarts()} reloads seen for ${ROUNDS} builds`);
  });
}
