/**
 * flowc's git hooks in a tenant repo: pre-commit refuses a commit that leaves generated files stale
 * (`flowc reconcile --once --check`); post-merge and post-checkout converge the work tree
 * (`flowc reconcile --once`). A hook finds flowc by the absolute node + bin paths recorded at
 * install time, then `flowc` on PATH, then `npx --no-install flowc` (never a download).
 *
 * A user's own hook is never clobbered: it is kept beside ours as `<hook>.pre-flowc` and run first
 * (chained). Uninstall removes only files that carry our marker and puts the user's hook back.
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowcError } from '../errors.js';
import { runGit } from './exec.js';

export const HOOK_MARKER = '# flowc-managed-hook';
/** Suffix under which a user's existing hook is kept and chained. */
export const CHAINED_SUFFIX = '.pre-flowc';

export type HookName = 'pre-commit' | 'post-merge' | 'post-checkout';

/** What each hook runs (flowc arguments), and whether its failure stops git. */
export const HOOKS: Record<HookName, { args: string[]; blocking: boolean }> = {
  'pre-commit': { args: ['reconcile', '--once', '--check'], blocking: true },
  'post-merge': { args: ['reconcile', '--once'], blocking: false },
  'post-checkout': { args: ['reconcile', '--once'], blocking: false },
};

export interface HookOptions {
  repoRoot: string;
  /** Absolute path of flowc's bin script; default: this installation's bin/flowc.js. */
  flowcBin?: string;
  /** Node executable that runs it; default: the one running now. */
  node?: string;
}

export type HookAction = 'installed' | 'updated' | 'unchanged' | 'chained' | 'removed' | 'restored' | 'absent' | 'foreign';

export interface HookResult {
  hook: HookName;
  path: string;
  action: HookAction;
}

/** This installation's bin/flowc.js (dist/git/hooks.js → ../../bin/flowc.js; same from src/). */
export const defaultFlowcBin = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/flowc.js');

/** The hooks directory git uses for this repo (honours core.hooksPath and worktrees). */
export async function hooksDir(repoRoot: string): Promise<string> {
  const r = await runGit({ cwd: repoRoot, args: ['rev-parse', '--git-path', 'hooks'], allowFail: true });
  if (r.code !== 0) {
    throw new FlowcError('usage', 'not a git repository', { where: { file: repoRoot }, hint: 'run `flowc init --slug <slug>` first, or pass -C <tenant repo>' });
  }
  return path.resolve(repoRoot, r.stdout.trim());
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook script. Plain POSIX sh: git runs hooks with sh on every platform it supports. */
export function hookScript(hook: HookName, flowcBin: string, node: string): string {
  const { args, blocking } = HOOKS[hook];
  const lines = [
    '#!/bin/sh',
    `${HOOK_MARKER} ${hook}: installed by \`flowc hooks install\`; \`flowc hooks uninstall\` removes it.`,
    '# Do not edit: reinstalling rewrites it. Your own hook goes in',
    `# "$(dirname "$0")/${hook}${CHAINED_SUFFIX}"; it runs first, with the same arguments.`,
    `FLOWC_NODE=${sq(node)}`,
    `FLOWC_BIN=${sq(flowcBin)}`,
    'hookdir=$(dirname "$0")',
    `if [ -x "$hookdir/${hook}${CHAINED_SUFFIX}" ]; then`,
    `  "$hookdir/${hook}${CHAINED_SUFFIX}" "$@" || exit $?`,
    'fi',
    '# flowc writes through plumbing that runs no hooks; this guard stops any other re-entry.',
    '[ -n "$FLOWC_HOOK_ACTIVE" ] && exit 0',
    'export FLOWC_HOOK_ACTIVE=1',
  ];
  if (hook === 'post-checkout') lines.push('# $3 = 1 for a branch checkout; a checkout of single files changes no flow.', '[ "$3" = "1" ] || exit 0');
  lines.push(
    'top=$(git rev-parse --show-toplevel) || exit 0',
    'run_flowc() {',
    '  if [ -x "$FLOWC_NODE" ] && [ -f "$FLOWC_BIN" ]; then "$FLOWC_NODE" "$FLOWC_BIN" "$@"',
    '  elif command -v flowc >/dev/null 2>&1; then command flowc "$@"',
    '  elif command -v npx >/dev/null 2>&1; then npx --no-install flowc "$@"',
    `  else echo "flowc ${hook} hook: flowc not found (was $FLOWC_BIN); reinstall with \\\`flowc hooks install\\\`" >&2; return 127`,
    '  fi',
    '}',
    `run_flowc -C "$top" ${args.join(' ')}`,
    'rc=$?',
  );
  if (blocking) {
    lines.push(
      'if [ "$rc" -eq 1 ]; then',
      '  echo "flowc: commit refused: generated files are stale (listed above)." >&2',
      '  echo "       Run \\`flowc reconcile --once\\` (it commits the regenerated files), then commit again." >&2',
      '  echo "       To commit anyway: git commit --no-verify" >&2',
      'elif [ "$rc" -ne 0 ]; then',
      '  echo "flowc: commit refused: \\`flowc reconcile --once --check\\` failed (exit $rc, see above)." >&2',
      'fi',
      'exit $rc',
    );
  } else {
    lines.push(
      `[ "$rc" -eq 0 ] || echo "flowc ${hook} hook: \\\`flowc reconcile --once\\\` exited $rc (see above); git continues, run it again when fixed." >&2`,
      'exit 0',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const exists = async (file: string): Promise<boolean> => (await stat(file).catch(() => undefined)) !== undefined;
const isOurs = (text: string | undefined): boolean => text !== undefined && text.split('\n', 3).some((l) => l.startsWith(HOOK_MARKER));

export async function installHooks(options: HookOptions): Promise<HookResult[]> {
  const dir = await hooksDir(options.repoRoot);
  await mkdir(dir, { recursive: true });
  const flowcBin = path.resolve(options.flowcBin ?? defaultFlowcBin());
  const node = options.node ?? process.execPath;
  // Check every hook first, so a refusal leaves nothing half-installed.
  for (const hook of Object.keys(HOOKS) as HookName[]) {
    const file = path.join(dir, hook);
    const current = await readIfExists(file);
    if (current !== undefined && !isOurs(current) && (await exists(file + CHAINED_SUFFIX))) {
      throw new FlowcError('usage', `cannot install the ${hook} hook: both ${hook} and ${hook}${CHAINED_SUFFIX} exist and neither is flowc's`, {
        where: { file },
        hint: `merge them into ${hook}${CHAINED_SUFFIX} (it will be chained), remove ${hook}, then run \`flowc hooks install\` again`,
      });
    }
  }
  const results: HookResult[] = [];
  for (const hook of Object.keys(HOOKS) as HookName[]) {
    const file = path.join(dir, hook);
    const want = hookScript(hook, flowcBin, node);
    const current = await readIfExists(file);
    let action: HookAction;
    if (current === want) action = 'unchanged';
    else if (current === undefined) action = 'installed';
    else if (isOurs(current)) action = 'updated';
    else {
      await rename(file, file + CHAINED_SUFFIX); // keeps the user's mode and content byte for byte
      action = 'chained';
    }
    if (action !== 'unchanged') await writeFile(file, want, { mode: 0o755 });
    await chmod(file, 0o755);
    results.push({ hook, path: file, action });
  }
  return results;
}

export async function uninstallHooks(options: Pick<HookOptions, 'repoRoot'>): Promise<HookResult[]> {
  const dir = await hooksDir(options.repoRoot);
  const results: HookResult[] = [];
  for (const hook of Object.keys(HOOKS) as HookName[]) {
    const file = path.join(dir, hook);
    const current = await readIfExists(file);
    if (current === undefined) {
      results.push({ hook, path: file, action: 'absent' });
    } else if (!isOurs(current)) {
      results.push({ hook, path: file, action: 'foreign' }); // not ours: left alone
    } else if (await exists(file + CHAINED_SUFFIX)) {
      await rename(file + CHAINED_SUFFIX, file);
      results.push({ hook, path: file, action: 'restored' });
    } else {
      await rm(file);
      results.push({ hook, path: file, action: 'removed' });
    }
  }
  return results;
}
