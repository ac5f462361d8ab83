/**
 * The Python validation adapter with the real pinned Python: one long-lived checker answers
 * several batches (compile + black-clean), and pytest smoke runs report pass/fail.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FlowcError } from '../../src/errors.js';
import { createValidator, createValidatorPool, runSmokeTests } from '../../src/python/validate.js';
import { pythonBin } from '../helpers/host.js';

test('one checker process validates several batches, concurrent ones too: compile errors, black drift, clean files', async (t) => {
  const validator = createValidator({ python: pythonBin() });
  t.teardown(() => validator.close());
  const first = await validator.check([
    { path: 'app/ok.py', content: '# header\nx = {"a": 1}\n' },
    { path: 'app/syntax.py', content: 'def f(:\n    pass\n' },
    { path: 'app/ugly.py', content: "x = {'a':1}\n" },
    { path: 'notes.md', content: 'def f(: not python\n' },
  ]);
  t.deepEqual(first[0], { path: 'app/ok.py' });
  t.regex(first[1]!.error ?? '', /does not compile: line 1/);
  t.regex(first[2]!.error ?? '', /not black-clean: line 1/);
  t.deepEqual(first[3], { path: 'notes.md' });
  // Same process, next batch (ids keep requests apart), including non-ASCII text.
  const second = await validator.check([{ path: 'app/é.py', content: 's = "héllo → wörld"\n' }]);
  t.deepEqual(second, [{ path: 'app/é.py' }]);
  t.deepEqual(await validator.check([]), []);
  // Concurrent checks are answered each with its own results.
  const [a, b] = await Promise.all([
    validator.check([{ path: 'a.py', content: 'a = 1\n' }]),
    validator.check([{ path: 'b.py', content: 'b=2\n' }]),
  ]);
  t.deepEqual(a, [{ path: 'a.py' }]);
  t.is(b[0]!.path, 'b.py');
  t.truthy(b[0]!.error);
});

test.serial('issue 16: a pool of checkers takes the files from one queue (each checker the next when it is free) and answers in the order of the files', async (t) => {
  const pool = createValidatorPool({ python: pythonBin(), size: 2 });
  t.teardown(() => pool.close());
  const files = Array.from({ length: 12 }, (_, i) => ({ path: `app/f${i}.py`, content: i % 3 === 0 ? `x${i} = {'a':1}\n` : `x${i} = ${'1 + '.repeat(i)}1\n` }));
  const results = await pool.check([...files, { path: 'notes.md', content: 'not python' }]);
  t.deepEqual(results.map((r) => r.path), [...files.map((f) => f.path), 'notes.md']);
  t.deepEqual(results.filter((r) => r.error).map((r) => r.path), ['app/f0.py', 'app/f3.py', 'app/f6.py', 'app/f9.py'], 'black drift found whichever checker had the file');
  // Two checker processes answered: each is a child of this process running checker.py.
  const { execFileSync } = await import('node:child_process');
  const children = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('checker.py'));
  t.is(children.length, 2, children.join('\n'));
});

test('a missing interpreter is a clear transient io error', async (t) => {
  const validator = createValidator({ python: '/nonexistent/python3' });
  t.teardown(() => validator.close());
  const err = await t.throwsAsync(validator.check([{ path: 'a.py', content: 'a = 1\n' }]), { instanceOf: FlowcError });
  t.is(err!.kind, 'io');
  t.regex(err!.message, /nonexistent\/python3/);
});

test('runSmokeTests: ok for passing tests, not ok with the failure in the output', async (t) => {
  const repo = mkdtempSync(path.join(tmpdir(), 'flowc-smoke-'));
  t.teardown(() => rmSync(repo, { recursive: true, force: true }));
  mkdirSync(path.join(repo, 'tests/smoke'), { recursive: true });
  writeFileSync(path.join(repo, 'tests/smoke/test_good.py'), 'def test_good():\n    assert 1 + 1 == 2\n');
  writeFileSync(path.join(repo, 'tests/smoke/test_bad.py'), 'def test_bad():\n    assert "answer" == "nothing"\n');
  t.deepEqual(await runSmokeTests({ python: pythonBin(), repoRoot: repo, paths: [] }), { ok: true, output: '' });
  const good = await runSmokeTests({ python: pythonBin(), repoRoot: repo, paths: ['tests/smoke/test_good.py'] });
  t.true(good.ok, good.output);
  const bad = await runSmokeTests({ python: pythonBin(), repoRoot: repo, paths: ['tests/smoke/test_good.py', 'tests/smoke/test_bad.py'] });
  t.false(bad.ok);
  t.regex(bad.output, /test_bad/);
  t.regex(bad.output, /1 failed, 1 passed/);
});
