import test from 'ava';
import { readinessFromStatus } from '../../src/http/ready.js';

test('readiness: first pass done, last pass not failed, not refused, remote reachable', (t) => {
  t.deepEqual(readinessFromStatus({ lastPass: null }), { ok: false, reasons: ['no reconcile pass completed yet'] });
  t.deepEqual(readinessFromStatus({ lastPass: { ok: true }, push: { pending: false, lastError: null } }), { ok: true, reasons: [] });
  t.deepEqual(readinessFromStatus({ lastPass: { ok: false, error: 'git: index.lock held' } }).reasons, ['last reconcile pass failed: git: index.lock held']);
  t.deepEqual(readinessFromStatus({ lastPass: { ok: false, refused: 'flows/ is empty' }, refused: 'flows/ is empty' }).reasons, ['flows/ is empty']);
  t.deepEqual(readinessFromStatus({ lastPass: { ok: true }, push: { pending: true, lastError: 'connection refused' } }).reasons, ['git remote unreachable: connection refused']);
  // A push merely queued (no error yet) is not a reason.
  t.true(readinessFromStatus({ lastPass: { ok: true }, push: { pending: true, lastError: null } }).ok);
});
