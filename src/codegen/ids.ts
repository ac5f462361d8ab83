/**
 * A flow file's ids, derived in one place: the compiler names its outputs with them, and the
 * reconciler and the webhook check clashes with the same functions (two files whose ids agree here
 * would write the same outputs). Pure; no imports, so light callers (the no-drift pass, the webhook)
 * stay light.
 */

/** `flows/<id>.json` → `<id>`; a backslash is a separator too (`flows/dir\x.json` → `x`). */
export const flowIdOf = (file: string): string => {
  // Called for every flow several times per pass: string scans, no regular expressions.
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return base.length >= 5 && base.slice(-5).toLowerCase() === '.json' ? base.slice(0, -5) : base;
};

/** The flow id as a Python identifier suffix: lowercase, every char outside [a-z0-9_] → `_`. */
export const moduleIdOf = (flowId: string): string => flowId.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/**
 * The folder (under the tenant's flow modules) of the component sources a flow runs with lfx:
 * `components/<module id>/`. The reconciler tells from it which flows need lfx.
 */
export const COMPONENTS_DIR = 'components';
