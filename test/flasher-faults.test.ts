import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32 } from '../src/chips/index.js';
import { isUpyflashError } from '../src/errors.js';
import { esptoolJsStub, loadStubImage } from '../src/stub/node/esptool-js-stubs.js';
import { connect } from '../src/flasher/session.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { nodeDeflate } from '../src/platform/deflate-node.js';
import { Reporter } from '../src/progress.js';
import { endpointTransport } from '../src/transport/endpoint-transport.js';
import { VirtualBoard, type FaultOptions } from '../src/virtual-board/board.js';

/**
 * A noisy line (1e-4 of host->chip bytes corrupted) and a cable pulled mid-write. The rule under test:
 * no run may report success while the flash differs, and retries get (nearly) every run through.
 * RUNS is kept small so the file stays well under a minute (each noisy run takes ~2 s of retries);
 * the 200-run figure was not run here.
 */
const RUNS = 8;
const image = buildSampleFirmware({ chip: ESP32, appBytes: 60_000 });

async function flashOnce(faults: FaultOptions): Promise<{ ok: boolean; flashMatches: boolean; error?: unknown }> {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32), faults });
  const transport = endpointTransport(board.connect(), 'virtual:esp32');
  try {
    const s = await connect(transport, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter());
    const r = await s.flash({ image, address: 0x1000 });
    await s.close('no-reset');
    const flashMatches = Buffer.from(board.flash.read(0x1000, image.length)).equals(Buffer.from(image));
    return { ok: r.verified, flashMatches };
  } catch (error) {
    await transport.close().catch(() => undefined);
    return { ok: false, flashMatches: false, error };
  } finally {
    board.close();
  }
}

test(`${RUNS} flashes over a line corrupting 1e-4 of the bytes: never a false success, all get through`, async () => {
  let succeeded = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await flashOnce({ byteErrorRate: 1e-4, seed: 1000 + i });
    if (r.ok) {
      assert.ok(r.flashMatches, `run ${i} reported success but the flash differs`);
      succeeded++;
    }
  }
  assert.ok(succeeded / RUNS >= 0.99, `${succeeded}/${RUNS} succeeded`);
});

test('a disconnect mid-write fails with DISCONNECTED, never success', async () => {
  const r = await flashOnce({ byteErrorRate: 1e-4, seed: 7, disconnectAfterBytes: 60_000 });
  assert.equal(r.ok, false);
  assert.ok(isUpyflashError(r.error, 'DISCONNECTED'), String(r.error));
});
