/** Python literals both ways, and board names turned into safe local names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localNameFor, localPathFor } from '../../src/repl/local-names.js';
import { parsePyLiteral, parsePyLiterals, pyBytes, pyStr } from '../../src/repl/python-literal.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('str and bytes literals quote what needs quoting', () => {
  assert.equal(pyStr("it's a \\ \"x\"\n"), "'it\\'s a \\\\ \"x\"\\x0a'");
  assert.equal(pyStr('déjà'), "'déjà'");
  assert.equal(pyBytes(Uint8Array.of(0, 39, 92, 65, 255)), "b'\\x00\\'\\\\A\\xff'");
});

test("repr output from the board parses: tuples, lists, str with UTF-8 or escapes, bytes, None", () => {
  assert.deepEqual(parsePyLiterals(enc("('boot.py', 32768, 0, 139),('hello world.txt', 32768, 0, 256),")), [
    ['boot.py', 32768, 0, 139],
    ['hello world.txt', 32768, 0, 256],
  ]);
  assert.deepEqual(parsePyLiteral(enc("['\\xfc \\xf1.txt', 'ü', \"it's\"]")), ['ü ñ.txt', 'ü', "it's"]);
  assert.deepEqual(parsePyLiteral(enc("b'\\x00\\t\\n\\\\\\'A\\xff'\r\n")), Uint8Array.of(0, 9, 10, 92, 39, 65, 255));
  assert.equal(parsePyLiteral(enc('None')), null);
  assert.deepEqual(parsePyLiteral(enc('(16384, -1, True)')), [16384, -1, true]);
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(parsePyLiteral(enc(pyBytes(all))), all);
  assert.throws(() => parsePyLiteral(enc("('unterminated")), { kind: 'REPL_ERROR' });
});

test('board names that could escape the target folder are escaped, ordinary ones kept', () => {
  assert.equal(localNameFor('main.py'), 'main.py');
  assert.equal(localNameFor("it's \"q\" ü.txt"), "it's \"q\" ü.txt");
  assert.equal(localNameFor('..'), '%2E%2E');
  assert.equal(localNameFor('.'), '%2E');
  assert.equal(localNameFor('a/b'), 'a%2Fb');
  assert.equal(localNameFor('a\\b'), 'a%5Cb');
  assert.equal(localNameFor('bell\x07'), 'bell%07');
  assert.equal(localNameFor('con:x?', { windows: true }), 'con%3Ax%3F');
  assert.deepEqual(localPathFor('/lib/../x', '/'), ['lib', '%2E%2E', 'x']);
  assert.deepEqual(localPathFor('/lib/sub/f.py', '/lib'), ['sub', 'f.py']);
});
