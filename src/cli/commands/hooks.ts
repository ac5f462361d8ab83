/**
 * `flowc hooks install|uninstall`: the git hooks of a tenant repo (src/git/hooks.ts). Prints one
 * line per hook saying what was done; exit 0, or 2 when the repo is not a git repo or a user's hooks
 * are in the way (the message says how to resolve it).
 */
import { installHooks, uninstallHooks, type HookAction } from '../../git/hooks.js';

export interface HooksOptions {
  repo: string;
  args: string[];
}

const SAY: Record<HookAction, string> = {
  installed: 'installed',
  updated: 'updated',
  unchanged: 'already installed',
  chained: 'installed; your existing hook was kept as <hook>.pre-flowc and runs first',
  removed: 'removed',
  restored: 'removed; your own hook is back in place',
  absent: 'not installed',
  foreign: 'not flowc\'s hook: left alone',
};

export async function run(options: HooksOptions): Promise<number> {
  const action = options.args[0];
  const results = action === 'uninstall' ? await uninstallHooks({ repoRoot: options.repo }) : await installHooks({ repoRoot: options.repo });
  for (const r of results) process.stdout.write(`${r.hook.padEnd(13)} ${SAY[r.action]} (${r.path})\n`);
  return 0;
}
