import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESP32, ESP32C3, ESP32S2, ESP32S3, ESP8266 } from '../../src/chips/index.js';
import { isUpyflashError, type ErrorKind, type UpyflashError } from '../../src/errors.js';
import { sha256 } from '../../src/platform/hash.js';
import { analyzeFirmware, buildSampleFirmware, validateFirmware, type FirmwareFile, type FlashPlanCheck } from '../../src/image/index.js';

const esp32 = analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 400_000 }));
const s3 = analyzeFirmware(buildSampleFirmware({ chip: ESP32S3, appBytes: 400_000 }));
const esp8266 = analyzeFirmware(buildSampleFirmware({ chip: ESP8266, appBytes: 400_000 }));

function refusal(fw: FirmwareFile, check: FlashPlanCheck, kind: ErrorKind): UpyflashError {
  try {
    validateFirmware(fw, check);
  } catch (e) {
    assert.ok(isUpyflashError(e), String(e));
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected ${kind}`);
}

/** Rewrites one extended-header field in both images of a merged file and fixes the hashes. */
function withRevisions(fw: FirmwareFile, minRev: number, minRevFull: number, maxRevFull: number): FirmwareFile {
  const b = fw.bytes.slice();
  for (const img of [{ at: 0, len: fw.bootloader.length }, { at: fw.app!.offsetInFile, len: fw.app!.length }]) {
    const v = new DataView(b.buffer, img.at);
    b[img.at + 8 + 6] = minRev;
    v.setUint16(8 + 7, minRevFull, true);
    v.setUint16(8 + 9, maxRevFull, true);
    b.set(sha256(b.subarray(img.at, img.at + img.len - 32)), img.at + img.len - 32);
  }
  return analyzeFirmware(b);
}

describe('validateFirmware: chip', () => {
  it('accepts the right chip at its default address', () => {
    assert.deepEqual(validateFirmware(esp32, { chip: ESP32 }), { address: 0x1000, warnings: [], firmware: esp32 });
    assert.deepEqual(validateFirmware(s3, { chip: ESP32S3 }), { address: 0x0, warnings: [], firmware: s3 });
    assert.deepEqual(validateFirmware(esp8266, { chip: ESP8266 }), { address: 0x0, warnings: [], firmware: esp8266 });
  });

  it('WRONG_CHIP names both chips and the board id to download', () => {
    const e = refusal(s3, { chip: ESP32 }, 'WRONG_CHIP');
    assert.match(e.message, /for the ESP32-S3, but the board has an ESP32\b/);
    assert.match(e.hint, /ESP32_GENERIC\b/);
    assert.match(e.hint, /micropython\.org\/download\/ESP32_GENERIC\//);
    assert.equal(e.details['board'], 'ESP32_GENERIC');
    const e2 = refusal(esp8266, { chip: ESP32C3 }, 'WRONG_CHIP');
    assert.match(e2.message, /ESP8266.*ESP32-C3/);
    assert.match(e2.hint, /ESP32_GENERIC_C3/);
  });
});

describe('validateFirmware: address', () => {
  it('explains the classic 0x1000 vs 0x0 mix-up, both ways', () => {
    const e = refusal(esp32, { chip: ESP32, address: 0x0 }, 'WRONG_ADDRESS');
    assert.match(e.message, /ESP32 images go at 0x1000; 0x0 is for ESP8266\/ESP32-S3\/ESP32-C2\/ESP32-C3\/ESP32-C6\/ESP32-H2/);
    assert.match(e.hint, /--force-addr/);
    const e2 = refusal(s3, { chip: ESP32S3, address: 0x1000 }, 'WRONG_ADDRESS');
    assert.match(e2.message, /ESP32-S3 images go at 0x0; 0x1000 is for ESP32\/ESP32-S2/);
  });

  it('a merged .bin at 0x10000 is not an .app-bin', () => {
    const e = refusal(esp32, { chip: ESP32, address: 0x10000 }, 'WRONG_ADDRESS');
    assert.match(e.message, /\.app-bin/);
    assert.match(e.message, /bootloader and partition table/);
  });

  it('an .app-bin goes at 0x10000 only', () => {
    const app = esp32.app!;
    const appBin = analyzeFirmware(esp32.bytes.slice(app.offsetInFile, app.offsetInFile + app.length));
    assert.equal(validateFirmware(appBin, { chip: ESP32 }).address, 0x10000);
    assert.equal(validateFirmware(appBin, { chip: ESP32, address: 0x10000 }).address, 0x10000);
    const e = refusal(appBin, { chip: ESP32, address: 0x1000 }, 'WRONG_ADDRESS');
    assert.match(e.message, /only the application/);
  });

  it('forceAddress turns the refusal into a warning and keeps the address', () => {
    const r = validateFirmware(esp32, { chip: ESP32, address: 0x0, forceAddress: true });
    assert.equal(r.address, 0x0);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /ESP32 images go at 0x1000/);
  });

  it('the same address as suggested is fine', () => {
    assert.equal(validateFirmware(esp32, { chip: ESP32, address: 0x1000 }).address, 0x1000);
    const s2 = analyzeFirmware(buildSampleFirmware({ chip: ESP32S2, appBytes: 200_000 }));
    assert.deepEqual(validateFirmware(s2, { chip: ESP32S2, address: 0x1000 }), { address: 0x1000, warnings: [], firmware: s2 });
  });
});

describe('validateFirmware: flash size', () => {
  it('IMAGE_TOO_LARGE when the partition table reaches beyond the detected flash', () => {
    const e = refusal(esp32, { chip: ESP32, flashBytes: 2 * 1024 * 1024 }, 'IMAGE_TOO_LARGE');
    assert.match(e.message, /partition table reaches 0x220000/);
    assert.match(e.message, /2MB/);
  });

  it('IMAGE_TOO_LARGE when the file itself does not fit', () => {
    const e = refusal(esp8266, { chip: ESP8266, flashBytes: 256 * 1024 }, 'IMAGE_TOO_LARGE');
    assert.match(e.message, /256KB/);
  });

  it('warns when the header claims more flash than detected (ESP8266 1MB image on 512KB)', () => {
    const small = analyzeFirmware(buildSampleFirmware({ chip: ESP8266, appBytes: 300_000 }));
    const r = validateFirmware(small, { chip: ESP8266, flashBytes: 512 * 1024 });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /header says 1MB.*512KB.*--flash-size detect/);
  });

  it('fits a 4MB flash', () => {
    assert.deepEqual(validateFirmware(esp32, { chip: ESP32, flashBytes: 4 * 1024 * 1024 }).warnings, []);
  });
});

describe('validateFirmware: chip revision (esptool rules)', () => {
  it('accepts revisions inside min_rev_full..max_rev_full', () => {
    assert.doesNotThrow(() => validateFirmware(esp32, { chip: ESP32, chipRevision: 300 }));
    assert.doesNotThrow(() => validateFirmware(esp32, { chip: ESP32, chipRevision: 399 }));
  });

  it('CHIP_REVISION above max_rev_full or below min_rev_full', () => {
    const e = refusal(esp32, { chip: ESP32, chipRevision: 400 }, 'CHIP_REVISION');
    assert.match(e.message, /v0\.0 to v3\.99; this chip is v4\.0/);
    const needs3 = withRevisions(esp32, 0, 300, 399);
    const e2 = refusal(needs3, { chip: ESP32, chipRevision: 101 }, 'CHIP_REVISION');
    assert.match(e2.message, /v3\.0 to v3\.99; this chip is v1\.1/);
  });

  it('max_rev_full 0xFFFF means no upper limit; legacy min_rev when the full fields are unset', () => {
    const open = withRevisions(esp32, 0, 100, 0xffff);
    assert.doesNotThrow(() => validateFirmware(open, { chip: ESP32, chipRevision: 900 }));
    refusal(open, { chip: ESP32, chipRevision: 3 }, 'CHIP_REVISION');
    const legacy = withRevisions(esp32, 2, 0, 0);
    assert.doesNotThrow(() => validateFirmware(legacy, { chip: ESP32, chipRevision: 300 }));
    const e = refusal(legacy, { chip: ESP32, chipRevision: 101 }, 'CHIP_REVISION');
    assert.match(e.message, /major revision 2 or later/);
  });

  it('ESP32-C3 legacy min_rev is the minor revision (pre-IDF 5 builds)', () => {
    const c3 = withRevisions(analyzeFirmware(buildSampleFirmware({ chip: ESP32C3, appBytes: 200_000 })), 3, 0, 0);
    assert.doesNotThrow(() => validateFirmware(c3, { chip: ESP32C3, chipRevision: 3 }));
    assert.doesNotThrow(() => validateFirmware(c3, { chip: ESP32C3, chipRevision: 4 }));
    const e = refusal(c3, { chip: ESP32C3, chipRevision: 2 }, 'CHIP_REVISION');
    assert.match(e.message, /minor revision 3 or later; this chip is v0\.2/);
  });
});

describe('validateFirmware: integrity', () => {
  it('refuses an app whose SHA-256 does not match (the bootloader would not boot it)', () => {
    const b = esp32.bytes.slice();
    b[esp32.app!.offsetInFile + 0x2000] ^= 0x55; // inside the DROM segment
    const fw = analyzeFirmware(b);
    assert.equal(fw.app!.checksum.valid, false);
    const e = refusal(fw, { chip: ESP32 }, 'NOT_AN_IMAGE');
    assert.match(e.message, /application image in this file is corrupted/);
    assert.match(e.hint, /download it again/);
  });

  it('refuses an ESP8266 file whose MD5 does not match', () => {
    const b = esp8266.bytes.slice();
    b[0x9000 + 100] ^= 1;
    const e = refusal(analyzeFirmware(b), { chip: ESP8266 }, 'NOT_AN_IMAGE');
    assert.match(e.message, /MD5/);
  });

  it('repairs a bootloader SHA-256 left stale by a flash-parameter patch, and says so', () => {
    const b = esp32.bytes.slice();
    const wasMode = b[2]!;
    b[2] = 3; // dout, without touching the hash
    const r = validateFirmware(analyzeFirmware(b), { chip: ESP32 });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /SHA-256 was stale: a tool changed its flash parameters \(\w+ .* -> dout .*\).*fixed the digest/);
    assert.notEqual(wasMode, 3);
    const fixed = r.firmware.bytes;
    assert.equal(fixed[2], 3, 'the header stays as the tool patched it');
    assert.equal(r.firmware.bootloader.sha256?.valid, true);
    // Only the digest changed.
    const len = r.firmware.bootloader.length - 32;
    assert.deepEqual(fixed.subarray(0, len), b.subarray(0, len));
    assert.deepEqual(fixed.subarray(len, len + 32), sha256(b.subarray(0, len)));
    assert.deepEqual(fixed.subarray(len + 32), b.subarray(len + 32));
    // An intact file comes back as it is.
    assert.equal(validateFirmware(esp32, { chip: ESP32 }).firmware, esp32);
  });

  it('refuses a bootloader whose SHA-256 no flash-parameter value explains (E038)', () => {
    for (const damage of ['contents', 'digest'] as const) {
      const b = esp32.bytes.slice();
      if (damage === 'contents') {
        // The same bit in two data bytes: the XOR checksum still holds, the SHA-256 does not.
        b[40] ^= 0x04;
        b[41] ^= 0x04;
      } else {
        b[esp32.bootloader.length - 1] ^= 0x01;
      }
      const fw = analyzeFirmware(b);
      assert.equal(fw.bootloader.checksum.valid, true);
      assert.equal(fw.bootloader.sha256?.valid, false);
      const e = refusal(fw, { chip: ESP32 }, 'CORRUPT_IMAGE');
      assert.equal(e.code, 'E038');
      assert.match(e.message, /bootloader image in this file is corrupt/);
      assert.equal(e.hint, 'The file is corrupt: download it again.');
    }
  });
});
