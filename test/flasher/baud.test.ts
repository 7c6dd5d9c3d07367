/**
 * Baud changes that must prove themselves: the virtual board behind a link that garbles above a rate
 * (a cable or USB bridge that cannot keep up). The flash completes at a lower rate, verified, with one
 * readable warning; an exact --baud fails with E014 before anything is written; chips whose stub
 * restores the ROM's recorded baud get the stub at the sync rate and change the rate through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChipSpec, ESP32, chipById } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { connect, type SessionOptions } from '../../src/flasher/session.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { Op } from '../../src/protocol/opcodes.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { ForwardingTransport } from '../../src/transport/forwarding-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';

const ESP32C3 = chipById('esp32c3')!;

/**
 * What a bridge that cannot keep up does: above `limit` baud every byte is damaged (chip -> host
 * always, host -> chip too when `both`). Also records the rate each command went out at.
 */
class GarblingLink extends ForwardingTransport {
  readonly sent: { op: number; baud: number }[] = [];
  constructor(
    inner: Transport,
    private readonly limit: number,
    private readonly both: boolean,
  ) {
    super(inner);
  }
  private garble(d: Uint8Array): Uint8Array {
    return this.baud > this.limit ? d.map((b) => b ^ 0x24) : d;
  }
  override write(data: Uint8Array): Promise<void> {
    // One SLIP frame per write: C0, direction 00, opcode.
    if (data[0] === 0xc0 && data[1] === 0x00 && data.length > 2) this.sent.push({ op: data[2]!, baud: this.baud });
    return super.write(this.both ? this.garble(data) : data);
  }
  override async read(timeoutMs: number): Promise<Uint8Array> {
    return this.garble(await super.read(timeoutMs));
  }
}

function board(chip: ChipSpec): VirtualBoard {
  return new VirtualBoard({ chip: chip.id, linkModel: false, flashTiming: false, stubImage: () => loadStubImage(chip) });
}

async function flashThrough(b: VirtualBoard, link: GarblingLink, opts: Partial<SessionOptions> = {}) {
  const events: ProgressEvent[] = [];
  const reporter = new Reporter({ emit: (e) => events.push(e) });
  const image = buildSampleFirmware({ chip: b.chip, appBytes: 60_000 });
  const warnings = () => events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
  const s = await connect(link, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9), after: 'no-reset', ...opts }, reporter);
  try {
    const result = await s.flash({ image, address: b.chip.bootloaderOffset });
    return { result, image, warnings: warnings() };
  } finally {
    await s.close('no-reset');
  }
}

for (const both of [false, true]) {
  test(`ESP32, link garbles ${both ? 'both ways' : 'replies'} above 460800: the flash completes at 460800, verified, with one warning`, async () => {
    const b = board(ESP32);
    const link = new GarblingLink(endpointTransport(b.connect(), 'virtual:esp32'), 460800, both);
    const { result, image, warnings } = await flashThrough(b, link);
    assert.equal(result.verified, true);
    assert.equal(result.stub, true);
    assert.equal(result.baud, 460800);
    assert.deepEqual(b.flash.read(ESP32.bootloaderOffset, image.length), image);
    // The ROM tries the fast rate first (a reset here can undo it); when that fails the chip is reset and
    // the stub goes up at the sync rate and finds the rate itself. Replies garbled: the chip heard us and
    // goes back when told. Both ways: it hears nothing at 921600 (not even the way back), so it is reset
    // once more and the stub uploaded again. One warning either way.
    assert.deepEqual(warnings, [`921600 baud did not hold (${both ? 'no reply' : 'garbled replies'}); continuing at 460800 baud.`]);
    assert.equal(link.sent.filter((c) => c.op === Op.MEM_END).length, both ? 2 : 1);
    // Every data block crossed at the rate that proved itself.
    const blocks = link.sent.filter((c) => c.op === Op.FLASH_DEFL_DATA);
    assert.ok(blocks.length > 0);
    assert.ok(blocks.every((c) => c.baud === 460800), JSON.stringify(blocks));
  });
}

test('an exact --baud that does not hold fails with E014 before anything is written', async () => {
  const b = board(ESP32);
  const link = new GarblingLink(endpointTransport(b.connect(), 'virtual:esp32'), 460800, false);
  await assert.rejects(flashThrough(b, link, { baud: 921600 }), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'BAUD_FAILED'), String(e));
    assert.equal(e.code, 'E014');
    assert.match(e.message, /921600 baud did not hold \(garbled replies\)/);
    assert.match(e.hint, /lower --baud/);
    return true;
  });
  assert.ok(!link.sent.some((c) => c.op === Op.FLASH_DEFL_BEGIN || c.op === Op.FLASH_BEGIN), 'nothing was erased');
  assert.ok(b.flash.read(ESP32.bootloaderOffset, 4096).every((x) => x === 0xff));
});

test('the stub goes up at the fast rate on both kinds of chip; where it restores the ROM baud (ESP32) it changes to the fast rate again itself', async () => {
  for (const [chip, changesWanted] of [
    [ESP32, 2],
    [ESP32C3, 1],
  ] as const) {
    assert.equal(Boolean(chip.stubRestoresRomBaud), changesWanted === 2, chip.name);
    const b = board(chip);
    const link = new GarblingLink(endpointTransport(b.connect(), `virtual:${chip.id}`), 5_000_000, false);
    const { result, warnings } = await flashThrough(b, link);
    assert.equal(result.baud, 921600);
    assert.equal(result.verified, true);
    assert.deepEqual(warnings, []);
    const upload = link.sent.filter((c) => c.op === Op.MEM_DATA);
    assert.ok(upload.length > 0);
    assert.ok(upload.every((c) => c.baud === 921600), `${chip.name}: ${JSON.stringify(upload)}`);
    const changes = link.sent.filter((c) => c.op === Op.CHANGE_BAUDRATE);
    assert.equal(changes.length, changesWanted, `${chip.name}: ${JSON.stringify(changes)}`);
    // The ESP32's second change goes from the ROM's recorded rate, through the stub.
    if (changesWanted === 2) assert.equal(changes[1]!.baud, 115200);
  }
});

/** A link that damages the stub upload (MEM_DATA) above 115200 baud and nothing else. */
class StubUploadBreaker extends ForwardingTransport {
  readonly memData: number[] = [];
  constructor(inner: Transport) {
    super(inner);
  }
  override write(data: Uint8Array): Promise<void> {
    if (data[1] === 0x00 && data[2] === Op.MEM_DATA) {
      this.memData.push(this.baud);
      if (this.baud > 115200) {
        const bad = data.slice();
        bad[Math.floor(bad.length / 2)] ^= 0x01;
        if (bad[Math.floor(bad.length / 2)] === 0xc0 || bad[Math.floor(bad.length / 2)] === 0xdb) bad[Math.floor(bad.length / 2)] ^= 0x03;
        return super.write(bad);
      }
    }
    return super.write(data);
  }
}

test('a stub that will not start at the fast rate is uploaded again at 115200 before falling back to the ROM (ROM-first chip)', async () => {
  const b = board(ESP32C3);
  const link = new StubUploadBreaker(endpointTransport(b.connect(), 'virtual:esp32c3'));
  const events: ProgressEvent[] = [];
  const image = buildSampleFirmware({ chip: ESP32C3, appBytes: 60_000 });
  const s = await connect(link, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter({ emit: (e) => events.push(e) }));
  try {
    const r = await s.flash({ image, address: ESP32C3.bootloaderOffset });
    assert.equal(r.stub, true, 'the stub runs after all');
    assert.equal(r.verified, true);
    assert.equal(r.baud, 921600, 'the stub moved the rate up again');
    assert.deepEqual(b.flash.read(ESP32C3.bootloaderOffset, image.length), image);
  } finally {
    await s.close('no-reset');
  }
  const warnings = events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0]!, /at 921600 baud; uploading it again at 115200 baud\.$/);
  assert.ok(link.memData.includes(921600) && link.memData.includes(115200), JSON.stringify(link.memData));
});

test('through the ROM loader (--no-stub) too: the rate that did not hold is undone and the next lower one used', async () => {
  const b = board(ESP32);
  const link = new GarblingLink(endpointTransport(b.connect(), 'virtual:esp32'), 460800, false);
  const { result, image, warnings } = await flashThrough(b, link, { stub: false });
  assert.equal(result.stub, false);
  assert.equal(result.verified, true);
  assert.equal(result.baud, 460800);
  assert.deepEqual(b.flash.read(ESP32.bootloaderOffset, image.length), image);
  assert.deepEqual(warnings, ['921600 baud did not hold (garbled replies); continuing at 460800 baud.']);
  // CHANGE_BAUDRATE to 921600, back (blind, heard), then to 460800: no reset was needed.
  assert.equal(link.sent.filter((c) => c.op === Op.CHANGE_BAUDRATE).length, 3);
});
