/**
 * README command 1 (scripts/demo.sh), the way CI runs it: bounded, non-interactive, real
 * processes (flowc reconcile in watch mode, the LangServe host under uvicorn, the OpenAI stub), a
 * real bare remote. The first run keeps its install step, which must find everything in place
 * (the suite has just run npm ci, build and pyenv) — unless the tree was edited since the last
 * build, when a rebuild would rewrite dist/ under other tests: then, and in the other runs, install
 * is skipped. Another run is interrupted (SIGINT, as Ctrl-C sends) and must leave nothing behind.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/gitrepo.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/**
 * Runs the demo in its own process group; `kill` signals the whole group, as a terminal's Ctrl-C
 * does (the demo and every child it started get the signal at once).
 */
function demo(args: string[], env: Record<string, string>, onOutput?: (out: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/demo.sh'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DEMO_SKIP_INSTALL: '1', DEMO_TIMEOUT: '240', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const group = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        /* already gone */
      }
    };
    // Whatever happens to this test, the demo's group does not outlive it.
    const guard = () => group('SIGKILL');
    process.once('exit', guard);
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      onOutput?.(out, group);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('close', (code, signal) => {
      process.off('exit', guard);
      resolve({ code, signal, out });
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pids the demo says it stopped, and its temp dir. */
function leftovers(out: string): { pids: number[]; work: string | undefined } {
  const pids = (/demo: stopped \(pids ([\d ]+)\)/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const tenant = /demo tenant '[^']+' in (\S+) \(origin/.exec(out)?.[1];
  return { pids, work: tenant ? path.dirname(tenant) : undefined };
}

/** True when demo.sh's install step would change nothing (same rules as the script). */
function installIsNoOp(): boolean {
  const mtime = (p: string) => statSync(path.join(repoRoot, p)).mtimeMs;
  if (!existsSync(path.join(repoRoot, 'node_modules/.package-lock.json')) || !existsSync(path.join(repoRoot, 'dist/main.js'))) return false;
  if (mtime('package-lock.json') > mtime('node_modules/.package-lock.json')) return false;
  const built = mtime('dist/main.js');
  const sources = readdirSync(path.join(repoRoot, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)));
  return [...sources, 'tsconfig.json', 'package.json'].every((f) => mtime(f) <= built);
}

test.serial('demo.sh --ci reaches a served answer, shows the commit and the tag, exits 0 and stops everything', async (t) => {
  const install = installIsNoOp();
  if (!install) t.log('the tree changed since the last build: install step skipped so dist/ is not rebuilt under other tests');
  const run = await demo(['--ci'], install ? { DEMO_SKIP_INSTALL: '' } : {});
  if (install) t.regex(run.out, /installing what is missing/);
  t.is(run.code, 0, run.out.slice(-4000));
  t.regex(run.out, /codegen: demo v\S+/, 'the build commit');
  t.regex(run.out, /Flow-Id: demo-chat/);
  t.regex(run.out, /bld-demo-\S+/, 'the tag');
  t.regex(run.out, /pushed: .*tenant\/demo.*bld-demo-/, 'branch and tag on the bare remote');
  t.regex(run.out, /served answer: flowc compiled your LangFlow flow/, 'the stub answer came back through the compiled flow');
  const { pids, work } = leftovers(run.out);
  t.true(pids.length >= 3, `stub, host, flowc: ${pids.join(' ')}`);
  for (const pid of pids) t.false(alive(pid), `pid ${pid} still running`);
  t.truthy(work);
  t.false(existsSync(work!), 'temp dir removed');
});

test.serial('Ctrl-C (SIGINT to the process group) in interactive mode stops every child and removes the temp dir', async (t) => {
  let sent = false;
  const run = await demo([], {}, (out, kill) => {
    if (!sent && /starting flowc reconcile/.test(out)) {
      sent = true;
      setTimeout(() => kill('SIGINT'), 500);
    }
  });
  t.true(sent, run.out.slice(-3000));
  t.regex(run.out, /demo: stopping/);
  t.is(run.code, 130);
  const { pids, work } = leftovers(run.out);
  t.true(pids.length >= 2, run.out.slice(-2000));
  for (const pid of pids) t.false(alive(pid), `pid ${pid} still running`);
  t.false(existsSync(work!));
});

test.serial('a flow flowc refuses makes --ci exit non-zero at once with the reason (and never prints the secret)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowc-demo-bad-'));
  try {
    const flow = JSON.parse(readFileSync(path.join(repoRoot, 'examples/flows/demo-chat.json'), 'utf8'));
    const secret = 'sk-proj-demoPlantedValue0123456789abcdefXYZ';
    for (const n of flow.data.nodes) {
      const key = n.data.node.template.api_key;
      if (key) Object.assign(key, { value: secret, load_from_db: false });
    }
    const file = path.join(dir, 'bad-chat.json');
    writeFileSync(file, JSON.stringify(flow));
    const run = await demo(['--ci'], { DEMO_FLOW: file });
    t.is(run.code, 1, run.out.slice(-3000));
    t.regex(run.out, /demo: FAILED: flowc could not build flows\/bad-chat\.json: .*LanguageModelComponent-dm3q2.*api_key/);
    t.false(run.out.includes(secret));
    const { pids, work } = leftovers(run.out);
    for (const pid of pids) t.false(alive(pid), `pid ${pid} still running`);
    t.false(existsSync(work!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
