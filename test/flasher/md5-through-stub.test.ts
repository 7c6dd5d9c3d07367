/**
 * Issue 22: bulk MD5 where the chip is fast. The ROM loader digests at the crystal clock, the stub at
 * the clock it raised the CPU to (virtual-board/loader/md5-cost.ts), so the default job onto erased
 * flash asks no MD5 of the ROM: the stub goes up before the compare. With the stub off (--no-stub) the
 * ROM does it. A timed board charges each loader at its own clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32 } from '../../src/chips/index.js';
import { connect, type SessionOptions } from '../../src/flasher/session.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter } from '../../src/progress.js';
import { Op } from '../../src/protocol/opcodes.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { ForwardingTransport } from '../../src/transport/forwarding-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { dataPacket, encodeCommand, u32le } from '../../src/protocol/packet.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { defaultIdentity } from '../../src/virtual-board/chip-identity.js';
import { FlashMemory } from '../../src/virtual-board/flash-memory.js';
import { DownloadModeLoader } from '../../src/virtual-board/loader/loader.js';
import { VirtualTimeHost } from '../../src/virtual-board/loader/virtual-time-host.js';

/** Records every command's opcode in the order it went out. */
class OpLog extends ForwardingTransport {
  readonly ops: number[] = [];
  constructor(inner: Transport) {
    super(inner);
  }
  override write(data: Uint8Array): Promise<void> {
    if (data[0] === 0xc0 && data[1] === 0x00 && data.length > 2) this.ops.push(data[2]!);
    return super.write(data);
  }
}

async function flashErased(opts: Partial<SessionOptions>, timed: boolean) {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: timed, stubImage: () => loadStubImage(ESP32) });
  const log = new OpLog(endpointTransport(board.connect(), 'virtual:esp32'));
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 400_000 });
  const s = await connect(log, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9), after: 'no-reset', ...opts }, new Reporter());
  try {
    const result = await s.flash({ image, address: ESP32.bootloaderOffset });
    assert.equal(result.verified, true);
    assert.deepEqual(board.flash.read(ESP32.bootloaderOffset, image.length), image);
    return { ops: log.ops, result };
  } finally {
    await s.close('no-reset');
    board.close();
  }
}

/** MD5s asked before the stub started (MEM_END), i.e. of the ROM loader, and after. */
function md5sByLoader(ops: readonly number[]): { rom: number; stub: number } {
  const started = ops.indexOf(Op.MEM_END);
  const md5At = ops.flatMap((op, i) => (op === Op.SPI_FLASH_MD5 ? [i] : []));
  const rom = md5At.filter((i) => started < 0 || i < started).length;
  return { rom, stub: md5At.length - rom };
}

test('the default job onto erased flash asks no MD5 of the ROM loader: the stub compares', async () => {
  const { ops, result } = await flashErased({}, false);
  assert.equal(result.stub, true);
  const md5s = md5sByLoader(ops);
  assert.equal(md5s.rom, 0, 'no MD5 through the ROM');
  assert.ok(md5s.stub > 0, 'the compare and the check ran through the stub');
});

test('with --no-stub the ROM computes the MD5s', async () => {
  const { ops } = await flashErased({ stub: false }, false);
  assert.ok(md5sByLoader(ops).rom > 0);
});

test('a timed ESP32 charges an MD5 at the ROM loader several times what the stub takes (crystal clock vs 160 MHz)', () => {
  const host = new VirtualTimeHost();
  const loader = new DownloadModeLoader({ chip: ESP32, flash: new FlashMemory(4 << 20), identity: defaultIdentity(ESP32, 4 << 20), host });
  const span = u32le(0x10000, 0x100000, 0, 0);
  /** Modeled time from the MD5 command to its reply. */
  const md5Ms = (): number => {
    let at = Number.NaN;
    host.onSend = (_p, t) => (at = t);
    const start = host.now();
    loader.receive(encodeCommand(Op.SPI_FLASH_MD5, span));
    host.runAll();
    host.take();
    return at - start;
  };
  const rom = md5Ms();
  const stub = loadStubImage(ESP32);
  for (const seg of [
    { address: stub.textStart, bytes: stub.text },
    { address: stub.dataStart, bytes: stub.data },
  ]) {
    const blocks = Math.ceil(seg.bytes.length / 0x1800);
    loader.receive(encodeCommand(Op.MEM_BEGIN, u32le(seg.bytes.length, blocks, 0x1800, seg.address)));
    for (let i = 0; i < blocks; i++) {
      const p = dataPacket(i, seg.bytes.subarray(i * 0x1800, (i + 1) * 0x1800));
      loader.receive(encodeCommand(Op.MEM_DATA, p.data, p.checksum));
    }
  }
  loader.receive(encodeCommand(Op.MEM_END, u32le(0, stub.entry)));
  host.runAll();
  host.take();
  assert.equal(loader.mode, 'stub');
  const viaStub = md5Ms();
  // 1 MiB: flash read 0.1 s either way; digest ~0.26 s at 40 MHz, ~0.07 s at 160 MHz (md5-cost.ts).
  assert.ok(rom > 300 && rom < 450, `ROM ${rom} ms`);
  assert.ok(viaStub > 120 && viaStub < 220, `stub ${viaStub} ms`);
  assert.ok(rom > 2 * viaStub, `ROM ${rom} ms, stub ${viaStub} ms for the same MiB`);
});
