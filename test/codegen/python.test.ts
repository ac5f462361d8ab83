/** The Python emitter: quoting as black prints it, identifiers, comments, exploded literals. */
import test from 'ava';
import { pyComment, pyExpr, pyIdent, pyLiteral, pyStr, uniqueIdent } from '../../src/codegen/python.js';

test('pyStr picks the quote black would keep and escapes the rest', (t) => {
  t.is(pyStr('plain'), '"plain"');
  t.is(pyStr(`it's`), `"it's"`);
  t.is(pyStr('say "hi"'), `'say "hi"'`);
  t.is(pyStr(`"'`), `"\\"'"`);
  t.is(pyStr('a\\b\n\t\r\0\x7f'), '"a\\\\b\\n\\t\\r\\x00\\x7f"');
  t.is(pyStr('\u2028\u202e\ufeff'), '"\\u2028\\u202e\\ufeff"');
  t.is(pyStr('\ud800x'), '"\\ud800x"');
  t.is(pyStr('😀 é 中'), '"😀 é 中"');
});

test('pyLiteral and pyExpr', (t) => {
  t.is(pyLiteral({ a: [1, 2.5, true, null] }), '{"a": [1, 2.5, True, None]}');
  t.is(pyLiteral(1e21), '1e21');
  t.is(pyExpr(['x']), '[\n    "x",\n]');
  t.is(pyExpr('line one is long enough to split\nline two', 4), '"\\n".join(\n        [\n            "line one is long enough to split",\n            "line two",\n        ]\n    )');
});

test('identifiers are readable, valid, bounded and unique', (t) => {
  t.is(pyIdent('ChatInput'), 'chat_input');
  t.is(pyIdent('LanguageModelComponent'), 'language_model_component');
  t.is(pyIdent('class'), 'class_');
  t.is(pyIdent('9lives'), 'node_9lives');
  t.is(pyIdent('"""'), 'node');
  t.true(pyIdent('x'.repeat(200)).length <= 40);
  const taken = new Set(['list']);
  t.is(uniqueIdent('list', taken), 'list_2');
  t.is(uniqueIdent('list', taken), 'list_3');
});

test('comments stay on one line, without invisible characters or split surrogates', (t) => {
  t.is(pyComment('a\nb\r\n\u202ec  '), 'a b c');
  t.is(pyComment(''), '-');
  const cut = pyComment('😀'.repeat(200), 10);
  t.is(cut, `${'😀'.repeat(7)}...`);
});
