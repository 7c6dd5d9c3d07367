import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUpyflashError } from '../../src/errors.js';
import { FlashMemory, W25Q32JV_TYPICAL, type FlashStore } from '../../src/virtual-board/flash-memory.js';

const KiB = 1024;

describe('FlashMemory: NOR semantics', () => {
  it('starts erased (all 0xFF)', () => {
    const f = new FlashMemory(64 * KiB, { timing: false });
    assert.ok(f.read(0, f.size).every((b) => b === 0xff));
  });

  it('program can only clear bits: the result is old AND new', () => {
    const f = new FlashMemory(64 * KiB, { timing: false });
    f.program(0x100, Uint8Array.from([0xf0, 0x0f, 0xaa]));
    f.program(0x100, Uint8Array.from([0xcc, 0xff, 0x55]));
    assert.deepEqual(f.read(0x100, 3), Uint8Array.from([0xc0, 0x0f, 0x00]));
  });

  it('eraseSector sets exactly the 4 KiB sector holding the offset back to 0xFF', () => {
    const f = new FlashMemory(64 * KiB, { timing: false });
    f.program(0, new Uint8Array(3 * 4 * KiB));
    f.eraseSector(0x1800);
    assert.ok(f.read(0x0fff, 1)[0] === 0x00, 'byte before the sector untouched');
    assert.ok(f.read(0x1000, 0x1000).every((b) => b === 0xff), 'the sector is erased');
    assert.ok(f.read(0x2000, 1)[0] === 0x00, 'byte after the sector untouched');
  });

  it('eraseBlock64k erases the aligned 64 KiB block; eraseAll the whole chip', () => {
    const f = new FlashMemory(256 * KiB, { timing: false });
    f.program(0, new Uint8Array(f.size));
    f.eraseBlock64k(0x1abcd);
    assert.ok(f.read(0x10000, 0x10000).every((b) => b === 0xff));
    assert.equal(f.read(0xffff, 1)[0], 0);
    assert.equal(f.read(0x20000, 1)[0], 0);
    f.eraseAll();
    assert.ok(f.read(0, f.size).every((b) => b === 0xff));
  });

  it('eraseRange rounds out to whole sectors', () => {
    const f = new FlashMemory(128 * KiB, { timing: false });
    f.program(0, new Uint8Array(f.size));
    f.eraseRange(0x1001, 0x1000);
    assert.equal(f.read(0x0fff, 1)[0], 0);
    assert.ok(f.read(0x1000, 0x2000).every((b) => b === 0xff));
    assert.equal(f.read(0x3000, 1)[0], 0);
  });

  it('read returns a copy', () => {
    const f = new FlashMemory(4 * KiB, { timing: false });
    const r = f.read(0, 4);
    r[0] = 0;
    assert.equal(f.read(0, 1)[0], 0xff);
  });

  it('out-of-range access fails with a BAD_ARGUMENT UpyflashError', () => {
    const f = new FlashMemory(8 * KiB, { timing: false });
    for (const op of [
      () => f.read(8 * KiB - 2, 4),
      () => f.program(8 * KiB, Uint8Array.of(0)),
      () => f.program(-1, Uint8Array.of(0)),
      () => f.eraseSector(8 * KiB),
      () => f.eraseBlock64k(0x10000),
    ]) {
      assert.throws(op, (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT') && e.code === 'E036');
    }
    assert.throws(() => new FlashMemory(1000), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
  });
});

describe('FlashMemory: modeled time', () => {
  it('costs the W25Q32JV typical times by default: sector, block, page program, chip erase', () => {
    const f = new FlashMemory(4 * 1024 * KiB);
    f.eraseSector(0);
    assert.equal(f.takeCostMs(), W25Q32JV_TYPICAL.sectorEraseMs);
    f.eraseBlock64k(0);
    assert.equal(f.takeCostMs(), W25Q32JV_TYPICAL.block64kEraseMs);
    f.program(0x80, new Uint8Array(0x100)); // straddles two 256-byte pages
    assert.equal(f.takeCostMs(), 2 * W25Q32JV_TYPICAL.pageProgramMs);
    f.eraseAll();
    assert.equal(f.takeCostMs(), 4 * W25Q32JV_TYPICAL.chipEraseMsPerMB);
    assert.equal(f.takeCostMs(), 0, 'taking the cost resets it');
  });

  it('eraseRange uses 64 KiB blocks where aligned, sectors elsewhere', () => {
    const f = new FlashMemory(1024 * KiB, { timing: { sectorEraseMs: 1, block64kEraseMs: 100, pageProgramMs: 0, chipEraseMsPerMB: 0 } });
    f.eraseRange(0xf000, 0x12000); // 1 sector, one block, 1 sector
    assert.equal(f.takeCostMs(), 1 + 100 + 1);
  });

  it('timing: false makes everything free', () => {
    const f = new FlashMemory(64 * KiB, { timing: false });
    f.eraseAll();
    f.program(0, new Uint8Array(4096));
    assert.equal(f.takeCostMs(), 0);
  });
});

describe('FlashMemory: persistence through a FlashStore', () => {
  it('loads the stored image and hands merged dirty ranges to the store on flush', () => {
    const saved: { offset: number; length: number }[][] = [];
    let image: Uint8Array | undefined = new Uint8Array(16 * KiB).fill(0x11);
    const store: FlashStore = {
      load: (size) => image?.slice(0, size),
      save: (data, dirty) => {
        image = data.slice();
        saved.push(dirty);
      },
    };
    const f = new FlashMemory(16 * KiB, { store, timing: false });
    assert.equal(f.read(0, 1)[0], 0x11);
    f.flush();
    assert.equal(saved.length, 0, 'nothing changed, nothing saved');
    f.eraseSector(0x1000);
    f.program(0x1000, Uint8Array.of(1, 2));
    f.program(0x3000, Uint8Array.of(3));
    f.flush();
    assert.deepEqual(saved, [[{ offset: 0x1000, length: 0x1000 }, { offset: 0x3000, length: 1 }]]);
    const again = new FlashMemory(16 * KiB, { store, timing: false });
    assert.deepEqual(again.read(0x1000, 3), Uint8Array.of(1, 2, 0xff));
  });
});
