/**
 * How deep a JSON text nests, found in one linear pass before anything walks it: a text nested
 * 100,000 levels parses, but every recursive walk over it (validation, the secret guard's paths)
 * would blow the stack or the heap. Pure.
 */

/** Deeper than any LangFlow export nests (they stay under 30). */
export const MAX_JSON_DEPTH = 512;

/** The deepest nesting of arrays and objects in `text` (brackets inside strings ignored). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* backslash */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
