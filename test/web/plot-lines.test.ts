import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlotLine, PlotSeries } from '../../src/web/plot-lines.js';

test('lines of numbers, tuples and name=value pairs become samples; prose does not', () => {
  assert.deepEqual(parsePlotLine('1.0 2.5')?.values, [['1', 1], ['2', 2.5]]);
  assert.deepEqual(parsePlotLine('(1, 2)')?.values, [['1', 1], ['2', 2]]);
  assert.deepEqual(parsePlotLine('t=3 v=4.2')?.values, [['t', 3], ['v', 4.2]]);
  assert.deepEqual(parsePlotLine('temp: 21.5, hum = -3e-1')?.values, [['temp', 21.5], ['hum', -0.3]]);
  assert.deepEqual(parsePlotLine('19 34567')?.values, [['1', 19], ['2', 34567]]);
  assert.equal(parsePlotLine('blinked 5 times'), undefined);
  assert.equal(parsePlotLine('>>> '), undefined);
  assert.equal(parsePlotLine('MicroPython v1.27.0 on 2025-12-09'), undefined);
  assert.equal(parsePlotLine(''), undefined);
});

test('series keep the last N points, split lines are joined, a late series is padded', () => {
  const s = new PlotSeries(3);
  assert.equal(s.push('a=1\r\na=2\r\n'), 2);
  assert.equal(s.push('a=3 b='), 0);
  assert.equal(s.push('7\r\nnot data\r\na=4 b=8\r\n'), 2);
  assert.deepEqual(s.x, [2, 3, 4]);
  assert.deepEqual(s.series.get('a'), [2, 3, 4]);
  assert.deepEqual(s.series.get('b'), [Number.NaN, 7, 8]);
});
