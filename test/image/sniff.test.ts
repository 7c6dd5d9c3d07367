import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ESP32, ESP32S3, ESP8266 } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { analyzeFirmware, buildSampleFirmware, parseEspImage, sniffFile } from '../../src/image/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function elf(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // ELF32, little-endian (Xtensa)
  b[18] = 94; // EM_XTENSA
  return b;
}

function uf2Block(): Uint8Array {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x0a324655, true);
  v.setUint32(4, 0x9e5d5157, true);
  v.setUint32(8, 0x00002000, true); // family id present
  v.setUint32(508, 0x0ab16f30, true);
  return b;
}

function zipHeader(): Uint8Array {
  const b = new Uint8Array(30 + 8);
  b.set([0x50, 0x4b, 0x03, 0x04, 20, 0]);
  b.set(enc('firm.bin'), 30);
  return b;
}

const HTML = '<!DOCTYPE html>\n<html lang="en"><head><title>MicroPython - Python for microcontrollers</title></head><body>ESP32_GENERIC</body></html>';
const HEX = ':020000040000FA\n:10000000E9030220F4050840EE000000000000000E\n:00000001FF\n';

function rejection(bytes: Uint8Array, name?: string): { kind: string; message: string; hint: string } {
  try {
    analyzeFirmware(bytes, name);
  } catch (e) {
    assert.ok(isUpyflashError(e), `expected an UpyflashError, got ${String(e)}`);
    return { kind: e.kind, message: e.message, hint: e.hint };
  }
  assert.fail('analyzeFirmware accepted a non-image');
}

describe('sniffFile', () => {
  it('names each kind of file', () => {
    assert.equal(sniffFile(new Uint8Array()), 'empty');
    assert.equal(sniffFile(buildSampleFirmware({ chip: ESP32, appBytes: 200_000 })), 'esp-image');
    assert.equal(sniffFile(enc(HTML)), 'html');
    assert.equal(sniffFile(enc('\ufeff  <html><body>404</body></html>')), 'html');
    assert.equal(sniffFile(elf()), 'elf');
    assert.equal(sniffFile(enc(HEX)), 'intel-hex');
    assert.equal(sniffFile(uf2Block()), 'uf2');
    assert.equal(sniffFile(zipHeader()), 'zip');
    assert.equal(sniffFile(gzipSync(Buffer.from('firmware'))), 'gzip');
    assert.equal(sniffFile(enc('Not Found\n')), 'text');
    assert.equal(sniffFile(new Uint8Array(4096).fill(0xff)), 'unknown');
  });
});

describe('analyzeFirmware rejects what is not firmware, naming it', () => {
  it('an HTML page: you saved the download page', () => {
    const r = rejection(enc(HTML), 'ESP32_GENERIC-20251209-v1.27.0.bin');
    assert.equal(r.kind, 'NOT_AN_IMAGE');
    assert.match(r.message, /web page, not firmware/);
    assert.match(r.message, /saved the download page/);
    assert.match(r.message, /ESP32_GENERIC-20251209-v1\.27\.0\.bin/);
  });

  it('an ELF: use the .bin, not the .elf', () => {
    const r = rejection(elf(), 'firmware.elf');
    assert.equal(r.kind, 'NOT_AN_IMAGE');
    assert.match(r.message, /use the \.bin, not the \.elf/);
  });

  it('Intel HEX, UF2, zip, gzip, text', () => {
    assert.match(rejection(enc(HEX)).message, /Intel HEX/);
    const uf2 = rejection(uf2Block());
    assert.match(uf2.message, /UF2/);
    assert.match(uf2.message, /for the UF2 bootloader.*not for serial flashing/);
    assert.match(rejection(zipHeader()).message, /zip archive/);
    assert.match(rejection(gzipSync(Buffer.from('x'))).hint, /gunzip/);
    assert.match(rejection(enc('404: Not Found\n')).message, /text file \(it starts with "404: Not Found"\)/);
  });

  it('an ESP8266 v2 (SDK bootloader) image and unknown bytes', () => {
    const v2 = new Uint8Array(64);
    v2.set([0xea, 0x04, 0x00, 0x20]);
    assert.match(rejection(v2).message, /"v2" application image/);
    const r = rejection(new Uint8Array(64).fill(0xff));
    assert.equal(r.kind, 'NOT_AN_IMAGE');
    assert.match(r.message, /starts with ff ff ff ff; an ESP image starts with e9/);
  });

  it('an empty file', () => {
    const r = rejection(new Uint8Array());
    assert.equal(r.kind, 'TRUNCATED_IMAGE');
    assert.match(r.message, /empty/);
  });
});

describe('truncated downloads', () => {
  it('a merged .bin cut inside the app: expected N bytes, got M', () => {
    const full = buildSampleFirmware({ chip: ESP32, appBytes: 300_000 });
    const cut = full.subarray(0, full.length - 1000);
    try {
      analyzeFirmware(cut);
      assert.fail('accepted a truncated file');
    } catch (e) {
      assert.ok(isUpyflashError(e, 'TRUNCATED_IMAGE'));
      // The cut lands in the last segment, so the full length is known exactly.
      assert.match(e.message, new RegExp(`expected ${full.length - 0xf000} bytes, got ${cut.length - 0xf000}`));
      assert.equal(e.details['expectedBytes'], full.length - 0xf000);
    }
  });

  it('a merged .bin that ends before the app', () => {
    const full = buildSampleFirmware({ chip: ESP32S3, appBytes: 300_000 });
    assert.throws(() => analyzeFirmware(full.subarray(0, 0xa000)), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'TRUNCATED_IMAGE'));
      assert.match(e.message, /application at 0x10000/);
      return true;
    });
  });

  it('an ESP8266 .bin cut short: its length word says how long it should be', () => {
    const full = buildSampleFirmware({ chip: ESP8266, appBytes: 300_000 });
    assert.throws(() => analyzeFirmware(full.subarray(0, 200_000)), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'TRUNCATED_IMAGE'));
      assert.match(e.message, new RegExp(`promises ${full.length} bytes, the file has 200000`));
      return true;
    });
  });

  it('parseEspImage: header cut off, segment cut off', () => {
    const full = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
    assert.throws(() => parseEspImage(full.subarray(0, 10), 'esp32'), /expected at least 24 bytes, got 10/);
    assert.throws(() => parseEspImage(full.subarray(0, 100), 'esp32'), { kind: 'TRUNCATED_IMAGE' });
    assert.throws(() => parseEspImage(enc('PK'), 'esp32'), { kind: 'NOT_AN_IMAGE' });
  });
});

describe('analyzeFirmware kinds', () => {
  it('an .app-bin (application alone) goes at 0x10000', () => {
    const merged = analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 300_000 }));
    const app = merged.app!;
    const appBin = merged.bytes.slice(app.offsetInFile, app.offsetInFile + app.length);
    const fw = analyzeFirmware(appBin, 'ESP32_GENERIC-20251209-v1.27.0.app-bin');
    assert.equal(fw.kind, 'app');
    assert.equal(fw.suggestedOffset, 0x10000);
    assert.equal(fw.app?.offsetInFile, 0);
    assert.equal(fw.micropython?.version, '1.27.0');
    assert.equal(fw.minFlashBytes, 0x10000 + app.length);
  });

  it('a bare bootloader', () => {
    const merged = analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 300_000 }));
    const fw = analyzeFirmware(merged.bytes.slice(0, merged.bootloader.length));
    assert.equal(fw.kind, 'bootloader-only');
    assert.equal(fw.suggestedOffset, 0x1000);
    assert.equal(fw.bootloaderDescription?.idfVersion, 'v5.5.1');
    assert.equal(fw.micropython, undefined);
  });

  it('an image for a chip upyflash has no data for names the chip', () => {
    const bytes = buildSampleFirmware({ chip: ESP32S3, appBytes: 200_000 }).slice();
    bytes[8 + 4] = 20; // chip id of the ESP32-C61 (no MicroPython for it, so no chip data)
    assert.throws(() => analyzeFirmware(bytes), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'WRONG_CHIP'));
      assert.match(e.message, /ESP32-C61/);
      return true;
    });
  });
});
