/** The traceback line the page highlights: the deepest frame in the code that was sent, not in imports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceback } from '../../src/repl/traceback.js';

test('the deepest <stdin> frame names the line; frames in modules do not', () => {
  const tb =
    'Traceback (most recent call last):\r\n  File "<stdin>", line 7, in <module>\r\n  File "<stdin>", line 3, in f\r\n' +
    '  File "lib/util.py", line 12, in g\r\nZeroDivisionError: divide by zero\r\n';
  assert.deepEqual(parseTraceback(tb), { line: 3, summary: 'ZeroDivisionError: divide by zero' });
});

test('a syntax error has a frame too; no frame means no line', () => {
  assert.deepEqual(parseTraceback('Traceback (most recent call last):\n  File "<stdin>", line 2\nSyntaxError: invalid syntax\n'), {
    line: 2,
    summary: 'SyntaxError: invalid syntax',
  });
  assert.deepEqual(parseTraceback('KeyboardInterrupt: \n'), { line: undefined, summary: 'KeyboardInterrupt:' });
});
