import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { buildFromMachine, checkRequestedBuild, chooseBuild, type ChoiceInput } from '../../src/firmware/index.js';

const MB = 1024 * 1024;
const s3 = chipById('esp32s3')!;
const esp8266 = chipById('esp8266')!;
const octal8: ChoiceInput['facts'] = { model: 'ESP32-S3 (QFN56)', revision: { major: 0, minor: 2 }, embeddedPsram: { bytes: 8 * MB, type: 'octal' } };
const noPsram: ChoiceInput['facts'] = { model: 'ESP32-S3 (QFN56)', revision: { major: 0, minor: 2 } };

describe('the build choice', () => {
  it('maps machine strings to board and variant by the board name before the last " with "', () => {
    assert.deepEqual(
      [buildFromMachine('Generic ESP32S3 module with Octal-SPIRAM with ESP32S3')?.board, buildFromMachine('Generic ESP32S3 module with Octal-SPIRAM with ESP32S3')?.variant],
      ['ESP32_GENERIC_S3', 'SPIRAM_OCT'],
    );
    assert.equal(buildFromMachine('LOLIN_S2_MINI with ESP32-S2FN4R2')?.board, 'LOLIN_S2_MINI');
    assert.equal(buildFromMachine('ESP module (1M) with ESP8266')?.variant, 'FLASH_1M');
    // The plain S3 name does not tell FLASH_4M from the standard build: the facts decide.
    assert.equal(buildFromMachine('Generic ESP32S3 module with ESP32S3')?.variant, undefined);
    assert.equal(buildFromMachine('My own board with ESP32S3'), undefined);
  });

  it('an unknown machine string falls back to the chip, with a note', () => {
    const c = chooseBuild({ chip: s3, flashBytes: 16 * MB, facts: octal8, running: { machine: 'Frobnicator with ESP32S3', version: '1.25.0' } });
    assert.deepEqual([c.board, c.variant, c.from], ['ESP32_GENERIC_S3', 'SPIRAM_OCT', 'chip']);
    assert.match(c.notes.join('\n'), /"Frobnicator with ESP32S3", which upyflash's board table does not know/);
  });

  it('a running build the chip contradicts keeps its board but takes the variant the facts call for', () => {
    const c = chooseBuild({ chip: s3, flashBytes: 4 * MB, facts: noPsram, running: { machine: 'Generic ESP32S3 module with Octal-SPIRAM with ESP32S3', version: '1.26.1' } });
    assert.deepEqual([c.board, c.variant, c.from], ['ESP32_GENERIC_S3', 'FLASH_4M', 'running']);
    assert.match(c.notes.join('\n'), /does not fit this board .*needs octal PSRAM/);
  });

  it('refuses a standard ESP8266 build on 1 MB flash and names FLASH_1M; --force lets it through', () => {
    const input: ChoiceInput = { chip: esp8266, flashBytes: 1 * MB, board: 'ESP8266_GENERIC', variant: 'standard' };
    const c = chooseBuild(input);
    assert.throws(
      () => checkRequestedBuild(c, input, false),
      (e) => isUpyflashError(e, 'BUILD_CONTRADICTS_BOARD') && e.code === 'E03C' && /laid out for 2 MB of flash; this board has 1 MB/.test(e.message) && /ESP8266_GENERIC FLASH_1M fits/.test(e.hint),
    );
    assert.match(checkRequestedBuild(c, input, true) ?? '', /^--force: /);
  });

  it('an unknown PSRAM (no eFuses read) contradicts nothing', () => {
    const input: ChoiceInput = { chip: s3, flashBytes: 8 * MB, variant: 'SPIRAM_OCT' };
    assert.equal(checkRequestedBuild(chooseBuild(input), input, false), undefined);
  });
});
