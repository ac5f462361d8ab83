/**
 * Prompt / Prompt Template: an f-string (`{var}`, `{{` escapes a brace) or, with
 * "use double brackets" / mode mustache, `{{var}}`. Variables come from the node's extra fields
 * (`custom_fields.template`) or from edges, like LangFlow's PromptComponent.
 */
import type { Arg } from '../render.js';
import { bool, input, str, type GenContext, type NodeGenerator } from './generator.js';

/** `{name}` placeholders of an f-string template (`{{`/`}}` are literal braces). */
export function fStringVariables(template: string): string[] {
  const names: string[] = [];
  const re = /\{\{|\}\}|\{([^{}]*)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const inner = m[1];
    if (inner === undefined) continue;
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
    const variables: Array<{ name: string; arg: Arg }> = [];
    for (const name of [...declared, ...found.filter((n) => !declared.includes(n))]) {
      variables.push({ name, arg: input(ctx, name) });
    }
    return { template, mode: fmt, variables };
  },
};
