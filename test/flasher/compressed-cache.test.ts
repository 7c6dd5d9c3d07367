import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32 } from '../../src/chips/index.js';
import { prepareFirmware, runFlashJob } from '../../src/flasher/flash-job.js';
import { connect } from '../../src/flasher/session.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import type { Deflate } from '../../src/platform/deflate.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter } from '../../src/progress.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';

test('a prepared firmware is compressed once for a classroom: three boards, each region deflated once', async () => {
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
  let deflates = 0;
  const inner = nodeDeflate(9);
  const counting: Deflate = (b) => {
    deflates++;
    return inner(b);
  };
  let prepared;
  let afterFirst = 0;
  for (let i = 0; i < 3; i++) {
    const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32) });
    const transport = endpointTransport(board.connect(), 'virtual:esp32', { onClose: () => board.close() });
    const session = await connect(transport, { stubProvider: esptoolJsStub, deflate: counting, after: 'no-reset' }, new Reporter());
    try {
      prepared ??= prepareFirmware(analyzeFirmware(image, 'ESP32_GENERIC-test.bin'), await session.describeTarget());
      const job = await runFlashJob(session, { firmware: { prepared }, after: 'no-reset' }, new Reporter());
      assert.equal(job.flash.verified, true);
      assert.equal(job.flash.writtenBytes + job.flash.skippedBytes, image.length);
      if (i === 0) afterFirst = deflates;
      assert.deepEqual(board.flash.read(ESP32.bootloaderOffset, image.length), job.prepared.parts[0]!.bytes);
    } finally {
      await session.close('no-reset');
    }
  }
  assert.ok(afterFirst >= 1);
  assert.equal(deflates, afterFirst, 'the second and third board reuse the first one\'s compressed regions');
  assert.equal(prepared!.compressed.misses, afterFirst);
  assert.ok(prepared!.compressed.hits >= 2 * afterFirst);
});
