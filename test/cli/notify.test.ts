/**
 * Issue 15 #4: notifications through the built CLI to a local receiver — a build, a failing flow
 * (once, not on every pass while it keeps failing), its recovery (once); Slack-compatible JSON and a
 * generic webhook signed with Standard Webhooks; no body holds a secret.
 */
import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { keys } from '../guard/keys.js';
import { tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { flowc } from './flowc.js';

const SECRET = `whsec_${Buffer.from('notify-secret-for-the-test-0123').toString('base64')}`;

test('a build, a failure and its recovery are each told once, to Slack and to a signed webhook, with no secret', async (t) => {
  const received: Array<{ path: string; body: string; headers: Record<string, string | string[] | undefined> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await tenantRepo({ config: `validate: none\nnotify:\n  - url: ${base}/slack\n    format: slack\n  - url_env: OPS_HOOK_URL\n    format: webhook\n` });
  t.teardown(() => r.cleanup());
  const env = { OPS_HOOK_URL: `${base}/hook`, FLOWC_NOTIFY_SECRET: SECRET };
  const once = () => flowc(['--repo', r.dir, 'reconcile', '--once'], { env });
  const texts = (path: string) => received.filter((x) => x.path === path).map((x) => JSON.parse(x.body) as { text: string; type?: string });

  r.write('flows/good.json', chatFlow());
  t.is((await once()).code, 0);
  t.regex(texts('/slack')[0]!.text, /^flowc acme: built bld-acme-\S+ \([0-9a-f]{12}\): good$/);
  t.is(texts('/hook')[0]!.type, 'build');

  // A failing flow, with a key typed into a password field: refused, and the key told to no one.
  const key = keys.openai();
  const bad = JSON.parse(chatFlow({ prompt: 'Bad.' }));
  const model = bad.data.nodes.find((n: { data: { type: string } }) => n.data.type === 'LanguageModelComponent');
  model.data.node.template.api_key = { type: 'str', value: key, password: true };
  r.write('flows/bad.json', JSON.stringify(bad));
  t.is((await once()).code, 1);
  t.is((await once()).code, 1, 'still failing');
  const failures = texts('/slack').filter((x) => / failed: /.test(x.text));
  t.is(failures.length, 1, 'told once, not on every pass');
  t.regex(failures[0]!.text, /^flowc acme: flow bad failed: .*field api_key: a secret value is typed into this password field/);
  t.is(texts('/hook').filter((x) => x.type === 'failure').length, 1);

  r.write('flows/bad.json', chatFlow({ prompt: 'Fixed.' }));
  t.is((await once()).code, 0);
  const recoveries = texts('/slack').filter((x) => / recovered$/.test(x.text));
  t.deepEqual(recoveries.map((x) => x.text), ['flowc acme: flow bad recovered']);
  t.is(texts('/hook').filter((x) => x.type === 'recovery').length, 1);

  // The generic webhook is signed as flowc's own webhook verifies deliveries; nothing holds the key.
  const hook = new Webhook(SECRET);
  for (const x of received.filter((y) => y.path === '/hook')) {
    t.notThrows(() => hook.verify(x.body, { 'webhook-id': String(x.headers['webhook-id']), 'webhook-timestamp': String(x.headers['webhook-timestamp']), 'webhook-signature': String(x.headers['webhook-signature']) }));
  }
  for (const x of received) t.false(x.body.includes(key) || x.body.includes(key.slice(8)), `${x.path}: a notification holds the key`);
});
