import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { micropythonApp } from '../../src/virtual-board/micropython/index.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { chipById } from '../../src/chips/index.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { isUpyflashError } from '../../src/errors.js';
import { connectBoard, flashAndBoot } from '../../src/web/flash-flow.js';
import { TerminalText } from '../../src/web/terminal-text.js';
import { bridgedEndpoint, virtualBridgeById } from '../../src/virtual-board/usb-bridge.js';
import { bridgeFor } from '../../src/ports/usb-bridges.js';
import { autoBaudFor } from '../../src/flasher/auto-baud.js';

function recordingReporter(): { reporter: Reporter; events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return { reporter: new Reporter({ emit: (e) => events.push(e) }), events };
}

test('the page flow on a virtual ESP32: detect, flash a sample image, verify, banner with its version, REPL answers', async () => {
  const chip = chipById('esp32')!;
  const board = new VirtualBoard({ chip: 'esp32', app: micropythonApp(), stubImage: () => loadStubImage(chip) });
  const transport = endpointTransport(board.connect(), 'virtual:esp32', { onClose: () => board.close() });
  const { reporter, events } = recordingReporter();
  try {
    const connected = await connectBoard(transport, { stubProvider: esptoolJsStub }, reporter);
    assert.equal(connected.facts.chip.id, 'esp32');
    assert.match(connected.facts.description, /^ESP32/);
    assert.match(connected.facts.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(connected.facts.flashSizeBytes, chip.defaultFlashBytes);

    const bytes = buildSampleFirmware({ chip, version: '1.26.1', buildDate: '2025-09-11' });
    const { result, boot } = await flashAndBoot(connected, { firmware: analyzeFirmware(bytes, 'sample.bin'), eraseAll: false }, reporter);
    assert.equal(result.verified, true);
    assert.equal(result.address, chip.bootloaderOffset);
    assert.deepEqual(board.flash.read(chip.bootloaderOffset, bytes.length), bytes);
    assert.equal(boot.version, '1.26.1');
    assert.equal(boot.buildDate, '2025-09-11');

    // The same events the CLI renders: the write reached its total and the verify step was announced.
    const writes = events.filter((e) => e.type === 'progress' && e.phase === 'write');
    assert.ok(writes.length > 0);
    const last = writes.at(-1)!;
    assert.ok(last.type === 'progress' && last.done === last.total);
    assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'verify' && /Verified/.test(e.message)));

    // What the console does: send a line, read until the answer shows.
    const term = new TerminalText();
    await transport.write(new TextEncoder().encode('print(1+1)\r'));
    const deadline = Date.now() + 20_000;
    while (!/^2$/m.test(term.text()) && Date.now() < deadline) term.push(await transport.read(200));
    assert.match(term.text(), /print\(1\+1\)\n2\n>>> /);
  } finally {
    await transport.close();
  }
});

test('a firmware for another chip is refused before anything is written, with the CLI error code', async () => {
  const chip = chipById('esp32c3')!;
  const board = new VirtualBoard({ chip: 'esp32c3', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(chip) });
  const transport = endpointTransport(board.connect(), 'virtual:esp32c3', { onClose: () => board.close() });
  const { reporter } = recordingReporter();
  try {
    const connected = await connectBoard(transport, { stubProvider: esptoolJsStub }, reporter);
    const before = board.flash.read(0, 0x10000);
    const other = buildSampleFirmware({ chip: chipById('esp32')! });
    await assert.rejects(
      flashAndBoot(connected, { firmware: analyzeFirmware(other, 'esp32.bin'), eraseAll: true }, reporter),
      (e: unknown) => isUpyflashError(e, 'WRONG_CHIP') && e.code === 'E032' && e.hint.length > 0,
    );
    assert.deepEqual(board.flash.read(0, 0x10000), before);
  } finally {
    await transport.close();
  }
});

test('the page flow takes --baud auto from the port: a CH343 in front of an ESP32 flashes at 4000000, a CH340 at 460800', async () => {
  const chip = chipById('esp32')!;
  for (const [part, rate] of [
    ['ch343', 4_000_000],
    ['ch340', 460_800],
  ] as const) {
    const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, app: micropythonApp(), stubImage: () => loadStubImage(chip) });
    const bridge = virtualBridgeById(part);
    const endpoint = bridgedEndpoint(board.connect(), { bridge });
    const transport = endpointTransport(endpoint, `virtual:esp32 via ${bridge.name}`, { onClose: () => board.close() });
    const { reporter, events } = recordingReporter();
    try {
      // What serial-port.ts does with Web Serial's USB ids (no product string there).
      const usb = bridgeFor(bridge.vid, bridge.pid);
      const connected = await connectBoard(transport, { stubProvider: esptoolJsStub, autoBaud: autoBaudFor(usb) }, reporter);
      const bytes = buildSampleFirmware({ chip, appBytes: 40_000 });
      const { result } = await flashAndBoot(connected, { firmware: analyzeFirmware(bytes, 'sample.bin'), eraseAll: false }, reporter);
      assert.equal(result.baud, rate, part);
      assert.deepEqual(board.flash.read(chip.bootloaderOffset, bytes.length), bytes, part);
      const said = events.filter((e) => e.type === 'log' && /--baud auto/.test(e.message));
      assert.equal(said.length, 1, part);
      assert.match(said[0]!.type === 'log' ? said[0]!.message : '', new RegExp(`${rate} baud`));
    } finally {
      await transport.close();
    }
  }
});
