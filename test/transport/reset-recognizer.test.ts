import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESPTOOL_RESET_TIMING, ResetRecognizer, type Timers } from '../../src/transport/reset-recognizer.js';
import type { ControlLines } from '../../src/transport/transport.js';

/** Timers on a hand-moved clock, and a log of the line states the board saw, with their time. */
function rig() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const manual: Timers = {
    set: (ms, fn) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clear: (h) => {
      timers = timers.filter((t) => t !== h);
    },
  };
  const seen: string[] = [];
  const r = new ResetRecognizer((l: ControlLines) => seen.push(`${now}:${l.dtr ? 'D' : 'd'}${l.rts ? 'R' : 'r'}`), ESPTOOL_RESET_TIMING, manual);
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > end) break;
      timers.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { r, seen, advance };
}

test("esptool's ClassicReset at pyserial's pace is played as one sequence: EN low 100 ms, GPIO0 low 50 ms after EN rises", () => {
  const { r, seen, advance } = rig();
  r.control('dtr', false);
  advance(50);
  r.control('rts', true); // part of the sequence: dropped
  advance(100);
  r.control('dtr', true); // the start: the whole sequence is played from here
  advance(50);
  r.control('rts', false); // arrives mid-sequence: waits, then is dropped
  advance(50);
  r.control('dtr', false); // ends the download sequence once the playing is over
  advance(500);
  assert.deepEqual(seen, ['0:dr', '150:dR', '250:Dr', '300:dr', '300:dr']);
});

test('RTS released outside a download sequence is a hard reset; RTS asserted alone does nothing', () => {
  const { r, seen, advance } = rig();
  r.control('rts', true);
  advance(100);
  assert.deepEqual(seen, []);
  r.control('rts', false);
  advance(500);
  assert.deepEqual(seen, ['100:dR', '200:dr']);
});

test('after DTR on, a second DTR on or an RTS release does not restart anything until DTR goes off', () => {
  const { r, seen, advance } = rig();
  r.control('dtr', true);
  advance(500);
  const played = seen.length;
  r.control('dtr', true);
  r.control('rts', false);
  advance(500);
  assert.equal(seen.length, played);
  r.control('dtr', false);
  r.control('rts', false);
  advance(500);
  assert.deepEqual(seen.slice(played), ['1000:dr', '1000:dR', '1100:dr'], 'DTR off, then a hard reset');
});
