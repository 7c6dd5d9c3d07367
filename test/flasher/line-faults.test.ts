/**
 * What counts towards a baud step-down: only failures that say the line garbled or lost frames, and
 * only in a row. An MD5 mismatch (the flash, not the line) or a region that got through starts the
 * count again; the summary a person reads counts reasons and never lists ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpyflashError } from '../../src/errors.js';
import { LineFaultStreak, failureName, lineFault, summarizeFailures } from '../../src/flasher/line-faults.js';

const crc = new UpyflashError('ROM_ERROR', 'FLASH_DEFL_DATA failed: bad data checksum (0xc1)', { details: { error: 0xc1 } });
const invalid = new UpyflashError('ROM_ERROR', 'FLASH_BEGIN failed: invalid message (0x05)', { details: { error: 0x05 } });
const flashWrite = new UpyflashError('ROM_ERROR', 'FLASH_DATA failed: flash write error (0x08)', { details: { error: 0x08, errorName: 'flash write error' } });
const timeout = new UpyflashError('TIMEOUT', 'no reply to FLASH_DEFL_DATA');
const md5 = new UpyflashError('VERIFY_FAILED', 'MD5 mismatch at 0x1000 (+4096)');

test('line faults are named; MD5 mismatches and flash errors are not line faults', () => {
  assert.equal(lineFault(crc), 'bad data checksum');
  assert.equal(lineFault(invalid), 'invalid message');
  assert.equal(lineFault(timeout), 'no reply');
  assert.equal(lineFault(new UpyflashError('PROTOCOL_ERROR', 'short reply')), 'garbled reply');
  assert.equal(lineFault(md5), undefined);
  assert.equal(lineFault(flashWrite), undefined);
  assert.equal(failureName(md5), 'MD5 mismatch');
  assert.equal(failureName(flashWrite), 'flash write error');
});

test('the streak needs line faults in a row: a success or an MD5 mismatch in between starts it again', () => {
  const s = new LineFaultStreak(2);
  assert.equal(s.failed(crc), false);
  s.succeeded();
  assert.equal(s.failed(timeout), false);
  assert.equal(s.failed(md5), false, 'an MD5 mismatch breaks the streak');
  assert.equal(s.length, 0);
  assert.equal(s.failed(crc), false);
  assert.equal(s.failed(timeout), true);
  assert.equal(s.why, 'bad data checksum, no reply');
});

test('the summary counts reasons, commonest first, and stays short however many regions failed', () => {
  const names = [...Array(150).fill('invalid CRC'), ...Array(40).fill('no reply'), 'MD5 mismatch'];
  const text = summarizeFailures(names);
  assert.equal(text, 'invalid CRC ×150, no reply ×40, other');
  assert.ok(text.length < 60);
});
