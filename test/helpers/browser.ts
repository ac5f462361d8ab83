/**
 * A real headless browser for tests: Debian's Chromium (scripts/test.sh installs it; FLOWC_CHROMIUM
 * names it) driven by puppeteer-core. `browserPath()` is undefined when there is none, so a test
 * can say why it did not run.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

export function browserPath(): string | undefined {
  const candidates = [process.env.FLOWC_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export async function launchBrowser(): Promise<Browser> {
  const { launch } = await import('puppeteer-core');
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return launch({ executablePath: browserPath()!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
