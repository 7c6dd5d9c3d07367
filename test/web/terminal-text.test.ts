import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalText } from '../../src/web/terminal-text.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('CRLF line endings become lines and the prompt stays as the current line', () => {
  const t = new TerminalText();
  t.push(bytes('MicroPython v1.27.0 on 2025-12-09; Generic ESP32 module with ESP32\r\nType "help()" for more information.\r\n>>> '));
  assert.equal(t.text(), 'MicroPython v1.27.0 on 2025-12-09; Generic ESP32 module with ESP32\nType "help()" for more information.\n>>> ');
  assert.equal(t.currentLine(), '>>> ');
});

test("the REPL's own line editing (backspace, erase to end of line, cursor left) is applied, not shown", () => {
  const t = new TerminalText();
  // Typing "prinx", then backspace as MicroPython echoes it ("\b\x1b[K"), then "t(1)".
  t.push(bytes('>>> prinx\b\x1b[Kt(1)\r\n1\r\n>>> '));
  assert.equal(t.text(), '>>> print(1)\n1\n>>> ');
  const u = new TerminalText();
  // Cursor moved left by 3 and the rest of the line rewritten.
  u.push(bytes('>>> abcdef\x1b[3Dxyz\r\n'));
  assert.equal(u.text(), '>>> abcxyz\n');
});

test('escape sequences and UTF-8 characters split across reads are reassembled', () => {
  const t = new TerminalText();
  const all = bytes('>>> x\x1b[K\r\nπ = 3.14\r\n');
  for (const b of all) t.push(Uint8Array.of(b));
  assert.equal(t.text(), '>>> x\nπ = 3.14\n');
});

test('raw REPL control bytes have no visible form and old lines scroll away past the limit', () => {
  const t = new TerminalText(3);
  t.push(bytes('OK2\r\n\x04\x04>'));
  assert.equal(t.text(), 'OK2\n>');
  t.push(bytes('\r\na\r\nb\r\nc\r\nd'));
  assert.equal(t.text(), 'a\nb\nc\nd');
});
