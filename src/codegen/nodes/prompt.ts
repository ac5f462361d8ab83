/**
 * Prompt / Prompt Template: an f-string (`{var}`, `{{` escapes a brace) or, with
 * "use double brackets" / mode mustache, `{{var}}`. Variables come from the node's extra fields
 * (`custom_fields.template`) or from edges, like LangFlow's PromptComponent.
 */
import type { Arg } from '../render.js';
import { bool, input, str, type GenContext, type NodeGenerator } from './generator.js';

/** The `{...}` placeholders of an f-string template, as written (`{{`/`}}` are literal braces). */
function fStringPlaceholders(template: string): string[] {
  const found: string[] = [];
  const re = /\{\{|\}\}|\{([^{}]*)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) if (m[1] !== undefined) found.push(m[1]);
  return found;
}

/** `{name}` placeholders of an f-string template (a conversion `!r` or format spec `:>8` left out). */
export function fStringVariables(template: string): string[] {
  const names: string[] = [];
  for (const inner of fStringPlaceholders(template)) {
    const name = inner.split(/[!:]/)[0]!.trim();
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** `{{name}}` placeholders of a mustache template. */
export function mustacheVariables(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)) if (!names.includes(m[1]!)) names.push(m[1]!);
  return names;
}

function mode(ctx: GenContext): 'f-string' | 'mustache' {
  if (bool(ctx, 'use_double_brackets', false)) return 'mustache';
  return str(ctx, 'mode', 'f-string').toLowerCase().includes('mustache') ? 'mustache' : 'f-string';
}

export const prompt: NodeGenerator = {
  types: ['Prompt'],
  template: 'nodes/prompt.py',
  outputs: { prompt: 'Message' },
  vars(ctx) {
    const template = str(ctx, 'template');
    const fmt = mode(ctx);
    const declared = ctx.node.customFields.template ?? [];
    const found = fmt === 'mustache' ? mustacheVariables(template) : fStringVariables(template);
    // LangFlow fills only plain names: `{user.name}`, `{0}` or `{a b}` would never be filled.
    const odd = fmt === 'f-string' ? found.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) : undefined;
    if (odd !== undefined) {
      ctx.fail('template', `the placeholder {${odd}} is not a plain name (letters, digits, _), so LangFlow cannot fill it`, 'rename it (e.g. {user_name}), or write {{ and }} for literal braces');
    }
    // Python's formatting (LangFlow's too) knows only !r, !s and !a: anything else fails every run.
    const conversion = fmt === 'f-string' ? fStringPlaceholders(template).find((p) => /^[^!:]*![^:]*/.test(p) && !/^[^!:]*![rsa](:|$)/.test(p)) : undefined;
    if (conversion !== undefined) {
      ctx.fail('template', `the placeholder {${conversion}} has a conversion Python's formatting does not know (only !r, !s, !a), so every run would fail`, 'remove the "!…" part, or write {{ and }} for literal braces');
    }
    const variables: Array<{ name: string; arg: Arg }> = [];
    for (const name of [...declared, ...found.filter((n) => !declared.includes(n))]) {
      variables.push({ name, arg: input(ctx, name) });
    }
    return { template, mode: fmt, variables };
  },
};
