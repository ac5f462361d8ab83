/**
 * Issue 15 #1: the status page in a real headless Chromium (Debian's, driven by puppeteer-core)
 * against a running `flowc reconcile` (the built CLI, a real repo): it loads behind the viewer
 * token, lists the flows with their states, follows a build link to what that build changed, and
 * shows a Failed flow turn Synced live — without a reload — after its file is fixed. Screenshots at
 * desktop and phone width go to .cache/screenshots (docs/images/status-page.png is one of them).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { browserPath, launchBrowser } from '../helpers/browser.js';
import { repoRoot, tenantRepo } from '../helpers/gitrepo.js';
import { chatFlow } from '../reconcile/flows.js';
import { pythonPath } from '../cli/flowc.js';
import { freePort } from '../helpers/net.js';

const VIEWER = 'viewer-token-for-the-status-page-31';
(browserPath() ? test : test.skip)('the status page lists flows, follows a build link, and shows a Failed flow turn Synced live', async (t) => {
  const r = await tenantRepo();
  t.teardown(() => r.cleanup());
  r.write('flows/support.json', chatFlow({ prompt: 'Support.' }));
  r.write('flows/broken.json', chatFlow({ unsupported: true }));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/flowc.js'), '--repo', r.dir, 'reconcile', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, FLOWC_LOG_LEVEL: 'warn', FLOWC_PYTHON: pythonPath(), FLOWC_VALIDATE: 'none', FLOWC_DEBOUNCE_MS: '100', FLOWC_VIEWER_TOKEN: VIEWER, BLD_KEY: 'bld-status-page-key', FLOWC_RESYNC_SECONDS: '3600' },
    stdio: 'ignore',
  });
  // The watcher finishes its pass before the repo is removed (teardowns run last-added first).
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${base}/status`).then((res) => res.ok && res.json().then((s) => (s as { flows: unknown[] }).flows.length === 2), () => false);
    if (ok) break;
    await new Promise((res) => setTimeout(res, 100));
  }

  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  // Without the token: closed.
  const closed = await page.goto(`${base}/ui`);
  t.is(closed?.status(), 401);
  await page.goto(`${base}/ui/login?token=${VIEWER}`);
  t.is(new URL(page.url()).pathname, '/ui');
  const state = (flow: string) => page.$eval(`tr[data-flow="${flow}"] .state`, (el) => el.textContent);
  t.is(await state('support'), 'Synced');
  t.is(await state('broken'), 'Failed');
  t.regex(await page.$eval('tr[data-flow="broken"] td:last-child', (el) => el.textContent ?? ''), /FrobnicatorComponent/);
  // Each flow's last build (tag, commit, time); a flow never built has none.
  t.regex(await page.$eval('tr[data-flow="support"] td:nth-child(3)', (el) => el.textContent ?? ''), /^bld-acme-\S+ [0-9a-f]{12}, \d{4}-/);
  t.is(await page.$eval('tr[data-flow="broken"] td:nth-child(3)', (el) => el.textContent), '');
  await page.waitForFunction(() => /^Live/.test(document.querySelector('#live')?.textContent ?? ''));
  const shots = path.join(repoRoot, '.cache/screenshots');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'status-desktop.png'), fullPage: true });

  // A build link: what that build changed.
  const tag = await page.$eval('#last-build', (el) => el.textContent);
  await Promise.all([page.waitForNavigation(), page.click('#last-build')]);
  t.regex(await page.$eval('h1', (el) => el.textContent ?? ''), new RegExp(`Build ${tag}`));
  t.regex(await page.$eval('#changes', (el) => el.textContent ?? ''), /support[\s\S]*app\/flows\/acme\/flow_support\.py/);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/ui"]')]);

  // Fix the broken flow: the open page turns it Synced by itself (server-sent events).
  await page.waitForFunction(() => /^Live/.test(document.querySelector('#live')?.textContent ?? ''));
  const marker = await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  r.write('flows/broken.json', chatFlow({ prompt: 'Fixed.' }));
  await page.waitForFunction(() => document.querySelector('tr[data-flow="broken"] .state')?.textContent === 'Synced', { timeout: 30_000 });
  await page.waitForFunction(() => /^bld-acme-/.test(document.querySelector('tr[data-flow="broken"] td:nth-child(3)')?.textContent ?? ''), { timeout: 30_000 });
  t.is(await page.evaluate(() => (window as unknown as { marker?: number }).marker), marker, 'no reload: the same page updated');

  // Phone width: still one readable column.
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  await page.screenshot({ path: path.join(shots, 'status-phone.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  t.true(overflow <= 0, `no sideways scrolling at phone width (${overflow}px)`);
  // Every table has a caption and header cells; the live region is announced.
  t.is(await page.$eval('#live', (el) => el.getAttribute('aria-live')), 'polite');
  t.is(await page.$$eval('table', (ts) => ts.filter((x) => !x.querySelector('caption') || !x.querySelector('th')).length), 0);
});
