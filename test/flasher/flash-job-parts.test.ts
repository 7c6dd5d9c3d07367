import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESP32 } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { analyzeFirmware, buildSampleFirmware, firmwareForTarget, prepareFirmware, splitMerged } from '../../src/index.js';
import { Reporter } from '../../src/progress.js';

const split = splitMerged(analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 31 })));
const parts = [split.bootloader, split.partitionTable!, split.app!];
const target = { chip: ESP32, flashSizeBytes: 4 << 20, secureDownload: false };

describe('prepareFirmware with several parts', () => {
  it('keeps every part at its address and patches the flash parameters of the bootloader only', () => {
    const p = prepareFirmware({ parts }, target, { flashParams: { mode: 'dout' } });
    assert.deepEqual(p.parts.map((x) => x.address), [0x1000, 0x8000, 0x10000]);
    assert.equal(p.parts[0]!.bytes[2], 3);
    assert.equal(p.flashParamsChanged, true);
    assert.strictEqual(p.parts[2]!.bytes, split.app!.bytes, 'the app is written as given');
    assert.equal(p.firmware.kind, 'app', 'the app stands for the set');
  });

  it('a prepared set is checked again for a board with less flash, and refused when its table does not fit', async () => {
    const prepared = prepareFirmware({ parts }, target);
    const small = { ...target, flashSizeBytes: 1 << 20 };
    await assert.rejects(
      firmwareForTarget({ prepared }, small, {}, new Reporter()),
      (e: unknown) => isUpyflashError(e, 'IMAGE_TOO_LARGE') && /partition table.*beyond the 1MB flash/.test(e.message),
    );
  });

  it('refuses --addr with parts', () => {
    assert.throws(() => prepareFirmware({ parts }, target, { address: 0x1000 }), /--addr does not apply/);
  });
});
