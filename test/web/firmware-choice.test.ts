import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { moduleIdentity } from '../../src/virtual-board/chip-identity.js';
import { boardChip } from '../../src/virtual-board/chips.js';
import { moduleProfile } from '../../src/virtual-board/modules.js';
import { Reporter } from '../../src/progress.js';
import type { FirmwareChoice } from '../../src/web/api.js';
import { preferredFirmware } from '../../src/web/firmware-choice.js';
import { connectBoard } from '../../src/web/flash-flow.js';

const entry = (variant: string | undefined, version: string, preview = false): FirmwareChoice => ({
  file: `ESP32_GENERIC_S3${variant ? `-${variant}` : ''}-2025-v${version}.bin`,
  board: 'ESP32_GENERIC_S3',
  variant,
  version,
  date: undefined,
  preview,
  cached: false,
});

test('the page connects to an S3 N16R8 (eFuses of the part), and its firmware step puts SPIRAM_OCT first with the CLI\'s line', async () => {
  const chip = chipById('esp32s3')!;
  const profile = moduleProfile('ESP32-S3-N16R8');
  const board = new VirtualBoard({ chip: 'esp32s3', flashBytes: profile.flashBytes, identity: moduleIdentity(profile, boardChip('esp32s3')), stubImage: () => loadStubImage(chip) });
  const transport = endpointTransport(board.connect(), 'virtual:esp32s3', { onClose: () => board.close() });
  try {
    const connected = await connectBoard(transport, { stubProvider: esptoolJsStub }, new Reporter());
    assert.equal(connected.facts.description, 'ESP32-S3 (QFN56) (revision v0.2)');
    assert.deepEqual(connected.facts.identity?.embeddedPsram, { bytes: 8 * 1024 * 1024, type: 'octal' });

    const list = [entry(undefined, '1.28.0-preview.1', true), entry(undefined, '1.27.0'), entry('SPIRAM_OCT', '1.27.0'), entry('SPIRAM_OCT', '1.26.1'), entry('FLASH_4M', '1.27.0')];
    const preferred = preferredFirmware(list, chip, connected.facts);
    assert.equal(preferred?.choice, list[2]);
    assert.equal(preferred?.line, 'ESP32-S3 (QFN56) v0.2, 16 MB flash, 8 MB octal PSRAM → ESP32_GENERIC_S3 SPIRAM_OCT v1.27.0');
    assert.deepEqual(preferred?.reasons, ['octal PSRAM needs the SPIRAM_OCT build']);
    // A list without that build leaves the page's own order alone.
    assert.equal(preferredFirmware([list[1]!], chip, connected.facts), undefined);
  } finally {
    await closeQuietly(transport);
  }
});

async function closeQuietly(t: { close(): Promise<void> }): Promise<void> {
  await t.close().catch(() => undefined);
}
