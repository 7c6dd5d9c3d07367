import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESP32, ESP32S3 } from '../../src/chips/index.js';
import { decodeIdentity } from '../../src/chips/identity-decode.js';

const words = (w: Record<number, number>) => (reg: number) => w[reg] ?? 0;

test('ESP32: a single-core D0WD rated 160 MHz reads as esptool names it (targets/esp32.py get_chip_description, get_chip_features)', () => {
  // word3: DIS_APP_CPU bit 0, DIS_BT bit 1, pkg 1 in bits 9..11, CPU_FREQ_LOW bit 12, CPU_FREQ_RATED bit 13; coding scheme 3/4 in word6.
  const id = decodeIdentity(ESP32.identity!, words({ 0x3ff5a00c: 1 | 2 | (1 << 9) | (1 << 12) | (1 << 13), 0x3ff5a018: 1 }));
  assert.equal(id.description, 'ESP32-S0WD (revision v0.0)');
  assert.deepEqual(id.features, ['WiFi', 'Single Core', '160MHz', 'Coding Scheme 3/4']);
  assert.deepEqual([id.cores, id.cpuMHz], [1, 160]);
});

test('ESP32-S3: a v0.0 chip with block version 1.1 reads revision 0.0 whatever its major field holds (targets/esp32s3.py is_eco0)', () => {
  const eco0 = { 0x60007050: 1 << 24, 0x60007058: 2 << 24, 0x6000706c: 1 };
  assert.equal(decodeIdentity(ESP32S3.identity!, words(eco0)).description, 'ESP32-S3 (QFN56) (revision v0.0)');
  // Block version 1.2: the major field counts.
  assert.equal(decodeIdentity(ESP32S3.identity!, words({ ...eco0, 0x60007050: 2 << 24 })).description, 'ESP32-S3 (QFN56) (revision v2.0)');
  // psram_cap's high bit lives in BLOCK1 word5 bit 19: 4 = 4 MB (quad); an unlisted value is "Unknown".
  const four = decodeIdentity(ESP32S3.identity!, words({ 0x60007058: 1 << 19, 0x60007054: 2 << 7 }));
  assert.deepEqual([four.features.at(-1), four.embeddedPsram], ['Embedded PSRAM 4MB (AP_1v8)', { bytes: 4 * 1024 * 1024, type: 'quad' }]);
  assert.equal(decodeIdentity(ESP32S3.identity!, words({ 0x60007058: 1 << 19, 0x60007054: 3 << 3 })).features.at(-1), 'Unknown Embedded PSRAM ()');
});
