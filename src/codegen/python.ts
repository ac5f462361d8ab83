/**
 * The single place where TypeScript turns values into Python source text. Every user-controlled
 * string (flow name, node ids, prompt templates, field values) reaches generated code through
 * here, so escaping is decided once. Output is what black 26 would print itself (quote choice,
 * lowercase hex escapes), so generated files stay black-stable without running black.
 */

/** Python's keywords and soft keywords (and `_`): never a generated name. */
export const PY_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case type _'
  ).split(' '),
);

/** Python builtins: a generated name must never shadow one the runtime helpers use. */
export const PY_BUILTINS: ReadonlySet<string> = new Set(
  (
    'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError ' +
    'BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ' +
    'ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError ' +
    'Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError ' +
    'FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ' +
    'ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError ' +
    'KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError None NotADirectoryError ' +
    'NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning ' +
    'PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError ' +
    'RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError ' +
    'SystemExit TabError TimeoutError True TypeError UnboundLocalError UnicodeDecodeError ' +
    'UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError ' +
    'Warning ZeroDivisionError abs aiter all anext any ascii bin bool breakpoint bytearray bytes ' +
    'callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate ' +
    'eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int ' +
    'isinstance issubclass iter len license list locals map max memoryview min next object oct open ' +
    'ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str ' +
    'sum super tuple type vars zip'
  ).split(' '),
);

/**
 * Characters written as escapes: controls, line/paragraph separators, BOM, zero-width and bidi
 * controls (a reviewer must see what the code says — "trojan source"), lone surrogates and
 * non-characters. Everything else printable stays readable.
 */
const NEEDS_ESCAPE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff0-\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

/** A Python `str` literal that evaluates to exactly `value` (JS UTF-16 string; lone surrogates kept). */
export function pyStr(value: string): string {
  let doubles = 0;
  let singles = 0;
  for (const ch of value) {
    if (ch === '"') doubles++;
    else if (ch === "'") singles++;
  }
  // black keeps double quotes unless single quotes need fewer escapes; do the same.
  const quote = doubles <= singles ? '"' : "'";
  let body = value.replace(/\\/g, '\\\\').replace(NEEDS_ESCAPE, escapeChar);
  body = body.split(quote).join(`\\${quote}`);
  return `${quote}${body}${quote}`;
}

export type PyValue = string | number | boolean | null | undefined | PyValue[] | { [key: string]: PyValue };

/** A Python literal for JSON-like data: str, int/float, bool, None, list, dict (keys are strings). */
export function pyLiteral(value: PyValue): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return pyStr(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'float("nan")';
    if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) return String(value);
    return pyFloat(value);
  }
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(pyLiteral).join(', ')}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{${entries.map(([k, v]) => `${pyStr(k)}: ${pyLiteral(v)}`).join(', ')}}`;
}

/** JS number text → Python float text (black lowercases the exponent and keeps `1e+21` → `1e21`). */
function pyFloat(value: number): string {
  let text = String(value).replace('e+', 'e');
  if (!/[.e]/.test(text)) text += '.0';
  return text;
}

/**
 * A readable, valid, non-keyword Python identifier made from arbitrary text:
 * `ChatInput-jFwUm` → `chat_input_jfwum`. Not injective; callers dedupe with `uniqueIdent`.
 */
export function pyIdent(text: string, fallback = 'node', max = 40): string {
  const snake = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, max)
    .replace(/_+$/, '');
  let ident = snake || fallback;
  if (/^[0-9]/.test(ident)) ident = `${fallback}_${ident}`;
  if (PY_KEYWORDS.has(ident)) ident = `${ident}_`;
  return ident;
}

const INDENT = '    ';

/**
 * A Python expression for JSON-like data laid out the way black leaves it: non-empty lists and
 * dicts exploded one item per line with a trailing comma (black's "magic trailing comma" keeps
 * them so), multi-line text as `"\n".join([...])` so a prompt reads line by line. `indent` is
 * the column of the line the expression starts on; continuation lines are indented from it.
 */
export function pyExpr(value: PyValue, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (typeof value === 'string' && value.includes('\n') && pyStr(value).length > 40) {
    const lines = value.split('\n').map((line) => `${pad}${INDENT}${INDENT}${pyStr(line)},`);
    return ['"\\n".join(', `${pad}${INDENT}[`, ...lines, `${pad}${INDENT}]`, `${pad})`].join('\n');
  }
  if (Array.isArray(value) && value.length > 0) {
    const items = value.map((v) => `${pad}${INDENT}${pyExpr(v, indent + 4)},`);
    return ['[', ...items, `${pad}]`].join('\n');
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    const items = Object.entries(value).map(([k, v]) => `${pad}${INDENT}${pyStr(k)}: ${pyExpr(v, indent + 4)},`);
    return ['{', ...items, `${pad}}`].join('\n');
  }
  return pyLiteral(value);
}

/** `pyIdent` made unique against `taken` (which it updates): `x`, `x_2`, `x_3` ... */
export function uniqueIdent(text: string, taken: Set<string>, fallback = 'node', max = 40): string {
  const base = pyIdent(text, fallback, max);
  let ident = base;
  for (let i = 2; taken.has(ident); i++) ident = `${base}_${i}`;
  taken.add(ident);
  return ident;
}

/**
 * Text safe inside a one-line `# comment`: no line breaks or invisible/bidi characters, no
 * trailing spaces (black strips them), bounded length.
 */
export function pyComment(text: string, max = 100): string {
  const clean = text.replace(NEEDS_ESCAPE, ' ').replace(/\s+/g, ' ').trim();
  // Cut by code points: slicing UTF-16 could split a surrogate pair into an unencodable half.
  const chars = Array.from(clean);
  const short = chars.length > max ? `${chars.slice(0, max - 3).join('').trimEnd()}...` : clean;
  return short || '-';
}

/**
 * Python expressions laid out as black lays them out: `head(a, b)` / `[a, b]` / `{a, b}` on one
 * line when it fits in 88 columns at `indent`, else one item per line with a trailing comma
 * (black then keeps it exploded). Items are expressions, or nested layouts.
 */
export type PyLayout = string | { open: string; close: string; items: PyLayout[] };

export const pyCall = (callee: string, ...items: PyLayout[]): PyLayout => ({ open: `${callee}(`, close: ')', items });
export const pyList = (items: PyLayout[]): PyLayout => ({ open: '[', close: ']', items });
export const pyDict = (entries: Array<[string, PyLayout]>): PyLayout => ({
  open: '{',
  close: '}',
  items: entries.map(([k, v]) => (typeof v === 'string' ? `${k}: ${v}` : { ...v, open: `${k}: ${v.open}` })),
});

const flat = (layout: PyLayout): string =>
  typeof layout === 'string' ? layout : `${layout.open}${layout.items.map(flat).join(', ')}${layout.close}`;

/** `prefix` + the layout + `suffix`, starting at column `indent`. */
export function pyLines(layout: PyLayout, indent = 0, prefix = '', suffix = ''): string {
  const pad = ' '.repeat(indent);
  const one = `${pad}${prefix}${flat(layout)}${suffix}`;
  if (typeof layout === 'string' || one.length <= 88 || layout.items.length === 0) return one;
  const inner = layout.items.map((item) => pyLines(item, indent + 4, '', ','));
  return [`${pad}${prefix}${layout.open}`, ...inner, `${pad}${layout.close}${suffix}`].join('\n');
}
