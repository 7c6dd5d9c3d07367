import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialProgressView, reduceProgress, type ProgressView } from '../../src/web/progress-view.js';
import type { ProgressEvent } from '../../src/progress.js';

function run(events: ProgressEvent[]): ProgressView[] {
  const views: ProgressView[] = [];
  let v = initialProgressView;
  for (const e of events) {
    v = reduceProgress(v, e);
    views.push(v);
  }
  return views;
}

test('a phase event names the step and leaves the bar busy until progress arrives', () => {
  const [v] = run([{ type: 'phase', phase: 'write', message: 'Writing 1.4 MB at 0x1000' }]);
  assert.equal(v!.phase, 'write');
  assert.equal(v!.message, 'Writing 1.4 MB at 0x1000');
  assert.equal(v!.percent, undefined);
  assert.equal(v!.announcement, 'Writing 1.4 MB at 0x1000');
});

test('progress gives a percentage; the live-region text changes only at 10 % steps', () => {
  const events: ProgressEvent[] = [{ type: 'phase', phase: 'write', message: 'Writing' }];
  for (let done = 0; done <= 1000; done += 50) events.push({ type: 'progress', phase: 'write', done, total: 1000 });
  const views = run(events);
  const last = views.at(-1)!;
  assert.equal(last.percent, 100);
  assert.equal(last.done, 1000);
  const announcements = [...new Set(views.map((v) => v.announcement))];
  assert.deepEqual(announcements, [
    'Writing',
    ...[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => `Writing: ${p} %`),
  ]);
});

test('progress for a step that was never announced gets a readable title; log events change nothing', () => {
  const views = run([
    { type: 'progress', phase: 'verify', done: 1, total: 4 },
    { type: 'log', level: 'info', message: 'hello' },
  ]);
  assert.equal(views[0]!.message, 'Verifying');
  assert.equal(views[0]!.percent, 25);
  assert.equal(views[1], views[0]);
});

test("a step's trailing ellipsis is dropped when a percentage follows it", () => {
  const views = run([
    { type: 'phase', phase: 'write', message: 'Writing 1660KB at 0x1000...' },
    { type: 'progress', phase: 'write', done: 300, total: 1000 },
  ]);
  assert.equal(views[1]!.announcement, 'Writing 1660KB at 0x1000: 30 %');
  assert.equal(views[1]!.message, 'Writing 1660KB at 0x1000...');
});
