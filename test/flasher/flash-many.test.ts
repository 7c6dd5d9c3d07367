import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32, chipById } from '../../src/chips/index.js';
import { type TargetEvent, flashMany } from '../../src/flasher/flash-many.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import type { Deflate } from '../../src/platform/deflate.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { defaultIdentity } from '../../src/virtual-board/chip-identity.js';

function boards(n: number, chipId = 'esp32', extra: Partial<ConstructorParameters<typeof VirtualBoard>[0]> = {}) {
  const chip = chipById(chipId)!;
  return Array.from({ length: n }, (_, i) => {
    const mac = defaultIdentity(chip, chip.defaultFlashBytes).mac;
    mac[3] = i + 1; // each board its own MAC, as `virtual-board --count` gives them
    const board = new VirtualBoard({ chip: chip.id, linkModel: false, flashTiming: false, identity: { mac }, stubImage: () => loadStubImage(chip), ...extra });
    return { board, port: `virtual:${chip.id}#${i + 1}`, transport: endpointTransport(board.connect(), `virtual:${chip.id}#${i + 1}`) };
  });
}

function countingDeflate(): { deflate: Deflate; calls: () => number } {
  const inner = nodeDeflate(9);
  let calls = 0;
  return { deflate: (d) => (calls++, inner(d)), calls: () => calls };
}

test('flashMany writes one firmware to every board, compressing each region once, with every event naming its board', async () => {
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
  const fw = analyzeFirmware(image, 'many.bin');

  // One board alone: how many compressions one flash takes.
  const [solo] = boards(1);
  const soloDeflate = countingDeflate();
  const [alone] = await flashMany([solo!], { job: { firmware: { file: fw }, after: 'no-reset' }, session: { stubProvider: esptoolJsStub, deflate: soloDeflate.deflate } });
  assert.equal(alone!.ok, true, alone!.error?.message);
  solo!.board.close();

  const four = boards(4);
  const counted = countingDeflate();
  const events: TargetEvent[] = [];
  const results = await flashMany(four, {
    job: { firmware: { file: fw }, after: 'no-reset' },
    session: { stubProvider: esptoolJsStub, deflate: counted.deflate },
    sink: { emit: (e) => events.push(e) },
  });
  try {
    assert.equal(results.length, 4);
    for (const [i, r] of results.entries()) {
      assert.equal(r.ok, true, r.error?.message);
      assert.equal(r.port, four[i]!.port);
      assert.equal(r.chip, 'ESP32');
      assert.match(r.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.equal(r.md5, alone!.md5);
      assert.equal(r.firmware, 'many.bin');
      assert.deepEqual(four[i]!.board.flash.read(0x1000, image.length), r.job!.prepared.parts[0]!.bytes);
    }
    assert.equal(new Set(results.map((r) => r.mac)).size, 4, 'four boards, four MACs');
    assert.equal(new Set(results.map((r) => r.job!.prepared)).size, 1, 'one prepared firmware for all four');
    assert.ok(soloDeflate.calls() > 0);
    assert.equal(counted.calls(), soloDeflate.calls(), 'four boards compress no more than one');
    for (const b of four) {
      const mine = events.filter((e) => e.target === b.port);
      assert.equal(mine[0]!.type, 'start');
      assert.ok(mine.some((e) => e.type === 'identified'));
      assert.ok(mine.some((e) => e.type === 'progress' && e.phase === 'write'), 'write progress carries the board');
      assert.equal(mine.at(-1)!.type, 'done');
    }
  } finally {
    for (const b of four) b.board.close();
  }
});

test('flashMany resolves a catalog firmware once per chip, and one silent board fails alone', async () => {
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 50_000 });
  const good = boards(2);
  const [silent] = boards(1, 'esp32', { behaviour: 'silent' });
  let resolved = 0;
  let atOnce = 0;
  let maxAtOnce = 0;
  const started = Date.now();
  const results = await flashMany([...good, silent!], {
    job: {
      firmware: {
        resolve: async () => {
          resolved++;
          return { bytes: image, fileName: 'ESP32_GENERIC-latest.bin' };
        },
      },
      after: 'no-reset',
    },
    session: { stubProvider: esptoolJsStub, deflate: nodeDeflate(9), connectAttempts: 2 },
    jobs: 2,
    sink: {
      emit: (e) => {
        if (e.type === 'start') maxAtOnce = Math.max(maxAtOnce, ++atOnce);
        if (e.type === 'done') atOnce--;
      },
    },
  });
  try {
    assert.equal(resolved, 1, 'one resolution for two ESP32s');
    assert.equal(maxAtOnce, 2, '--jobs 2: two boards at a time');
    assert.deepEqual(results.map((r) => r.ok), [true, true, false]);
    assert.equal(results[2]!.error?.code, 'E010');
    assert.equal(results[0]!.firmware, 'ESP32_GENERIC-latest.bin');
    assert.ok(Date.now() - started < 60_000);
  } finally {
    for (const b of [...good, silent!]) b.board.close();
  }
});
