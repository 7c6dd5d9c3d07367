import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppFactory } from '../../src/virtual-board/app-runtime.js';
import type { FaultOptions } from '../../src/virtual-board/board.js';
import { FlashedBoard } from '../../harness/board-fixture.js';

function echoRig(faults: FaultOptions): FlashedBoard & { log: { starts: number; stops: number } } {
  const log = { starts: 0, stops: 0 };
  const app: AppFactory = (ctx) => {
    log.starts++;
    return { input: (d) => ctx.uartWrite(d), stop: () => log.stops++ };
  };
  const rig = new FlashedBoard({ app, faults });
  rig.clock.advance(500);
  rig.take();
  return Object.assign(rig, { log });
}

const pattern = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + 5) & 0xff);

describe('virtual board: injected line faults', () => {
  it('corrupts host bytes at the given rate, reproducibly for a seed', () => {
    const run = (seed: number): Uint8Array => {
      const r = echoRig({ byteErrorRate: 0.2, seed });
      r.port.write(pattern(2000));
      r.clock.advance(1000);
      return r.take();
    };
    const a = run(7);
    const sent = pattern(2000);
    assert.equal(a.length, 2000, 'corruption keeps the byte count');
    const wrong = a.reduce((n, b, i) => n + (b !== sent[i] ? 1 : 0), 0);
    assert.ok(wrong > 250 && wrong < 550, `${wrong} of 2000 bytes corrupted at rate 0.2`);
    assert.deepEqual(run(7), a, 'same seed, same damage');
    assert.notDeepEqual(run(8), a, 'another seed, other damage');
  });

  it('drops host bytes at the given rate', () => {
    const r = echoRig({ dropRate: 0.1, seed: 3 });
    r.port.write(pattern(5000));
    r.clock.advance(2000);
    const n = r.take().length;
    assert.ok(n > 4300 && n < 4700, `${n} of 5000 bytes arrived`);
  });

  it('cuts the link after N host bytes: the endpoint reports close and goes dead', () => {
    const r = echoRig({ disconnectAfterBytes: 100 });
    let closed = 0;
    r.port.onClose?.(() => closed++);
    r.port.write(pattern(60));
    r.clock.advance(100);
    assert.equal(r.take().length, 60);
    assert.equal(closed, 0);
    r.port.write(pattern(60));
    assert.equal(closed, 1);
    r.clock.advance(100);
    r.port.write(pattern(10));
    r.clock.advance(100);
    assert.equal(r.take().length, 0, 'nothing reaches a cut link');
    assert.equal(r.board.linkBytes.hostToChip, 100, 'only the bytes before the cut went out');
    // The board itself lives on: another host can plug in.
    const again = r.board.connect();
    const got: number[] = [];
    again.onData((d) => got.push(...d));
    again.write(pattern(5));
    r.clock.advance(50);
    assert.deepEqual(Uint8Array.from(got), pattern(5), 'each connection gets its own N bytes');
  });

  it('resets the chip after N host bytes, as if EN glitched', () => {
    const r = echoRig({ resetAfterBytes: 50 });
    assert.equal(r.log.starts, 1);
    r.port.write(pattern(200));
    r.clock.advance(1000);
    const text = new TextDecoder('latin1').decode(r.take());
    assert.equal(r.log.stops, 1, 'the running application was stopped');
    assert.equal(r.log.starts, 2, 'and started again after the reset');
    assert.match(text, /rst:0x1 \(POWERON_RESET\),boot:0x13/);
    assert.equal(r.board.state, 'app');
  });
});
