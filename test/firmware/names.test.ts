import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseVariant } from '../../src/firmware/board-variants.js';
import { parseFirmwareFileName } from '../../src/firmware/file-name.js';
import { matchingFirmware, newestFirst, parseVersionRequest, selectFirmware } from '../../src/firmware/select.js';
import { parseBoardList, parseBoardPage, type FirmwareEntry } from '../../src/firmware/site-parser.js';
import { checkUrlAllowed, parseSiteBase } from '../../src/firmware/site-urls.js';
import { isUpyflashError } from '../../src/errors.js';
import { boardListPage, boardPage } from '../fixtures/site/pages.js';

const page = (html: string | undefined): string => {
  if (html === undefined) throw new Error('the test site has no such page');
  return html;
};

describe('firmware file names', () => {
  it('reads board, variant, date, version and extension of today\'s names', () => {
    const n = parseFirmwareFileName('ESP32_GENERIC-SPIRAM-20250911-v1.26.1.bin')!;
    assert.equal(n.board, 'ESP32_GENERIC');
    assert.equal(n.variant, 'SPIRAM');
    assert.equal(n.buildDate, '20250911');
    assert.equal(n.version, '1.26.1');
    assert.equal(n.preview, false);
    assert.equal(n.ext, 'bin');
    assert.equal(n.legacy, false);
    const plain = parseFirmwareFileName('ESP32_GENERIC-20251209-v1.27.0.app-bin')!;
    assert.equal(plain.variant, undefined);
    assert.equal(plain.ext, 'app-bin');
    const multi = parseFirmwareFileName('ESP8266_GENERIC-FLASH_2M_ROMFS-20250809-v1.26.0.bin')!;
    assert.equal(multi.variant, 'FLASH_2M_ROMFS');
  });

  it('marks previews and orders them between releases', () => {
    const p = parseFirmwareFileName('ESP32_GENERIC_S3-20260110-v1.28.0-preview.16.g1a2b3c4d5.uf2')!;
    assert.equal(p.board, 'ESP32_GENERIC_S3');
    assert.equal(p.preview, true);
    assert.equal(p.version, '1.28.0-preview.16.g1a2b3c4d5');
    assert.equal(p.ext, 'uf2');
    const names = [
      'ESP32_GENERIC-20251209-v1.27.0.bin',
      'ESP32_GENERIC-20260110-v1.28.0-preview.16.g1a2b3c4d5.bin',
      'ESP32_GENERIC-20251220-v1.28.0-preview.3.g0f9e8d7c6.bin',
      'esp32-20220117-v1.18.bin',
      'ESP32_GENERIC-20241129-v1.24.1.bin',
    ];
    const sorted = names.map((f) => ({ ...parseFirmwareFileName(f)!, url: f })).sort(newestFirst).map((e) => e.fileName);
    assert.deepEqual(sorted, [
      'ESP32_GENERIC-20260110-v1.28.0-preview.16.g1a2b3c4d5.bin',
      'ESP32_GENERIC-20251220-v1.28.0-preview.3.g0f9e8d7c6.bin',
      'ESP32_GENERIC-20251209-v1.27.0.bin',
      'ESP32_GENERIC-20241129-v1.24.1.bin',
      'esp32-20220117-v1.18.bin',
    ]);
  });

  it('maps the per-port names used before v1.21 onto today\'s boards and variants', () => {
    const cases: Array<[string, string, string | undefined, string]> = [
      ['esp32-20220117-v1.18.bin', 'ESP32_GENERIC', undefined, '1.18'],
      ['esp8266-20180511-v1.9.4.bin', 'ESP8266_GENERIC', undefined, '1.9.4'],
      ['esp32spiram-20220117-v1.18.bin', 'ESP32_GENERIC', 'SPIRAM', '1.18'],
      ['esp32-idf3-20210202-v1.14.bin', 'ESP32_GENERIC', 'IDF3', '1.14'],
      ['esp32spiram-idf3-20210202-v1.14.bin', 'ESP32_GENERIC', 'SPIRAM-IDF3', '1.14'],
      ['esp8266-1m-20220117-v1.18.bin', 'ESP8266_GENERIC', 'FLASH_1M', '1.18'],
      ['esp8266-512k-20220117-v1.18.bin', 'ESP8266_GENERIC', 'FLASH_512K', '1.18'],
      ['GENERIC_S3-20220618-v1.19.1.bin', 'ESP32_GENERIC_S3', undefined, '1.19.1'],
      ['GENERIC_C3_USB-20220618-v1.19.1.bin', 'ESP32_GENERIC_C3', 'USB', '1.19.1'],
    ];
    for (const [name, board, variant, version] of cases) {
      const n = parseFirmwareFileName(name);
      assert.ok(n, name);
      assert.deepEqual([n.board, n.variant, n.version, n.legacy], [board, variant, version, true], name);
    }
    const nightly = parseFirmwareFileName('esp32-20220209-unstable-v1.18-113-g3c2aa5ff9.bin')!;
    assert.equal(nightly.preview, true);
    const release118 = { ...parseFirmwareFileName('esp32-20220117-v1.18.bin')!, url: '' };
    const release119 = { ...parseFirmwareFileName('esp32-20220618-v1.19.1.bin')!, url: '' };
    const order = [release119, { ...nightly, url: '' }, release118].sort(newestFirst).map((e) => e.version);
    assert.deepEqual(order, ['1.19.1', nightly.version, '1.18']);
  });

  it('rejects what is not a firmware name', () => {
    for (const name of ['index.html', 'ESP32_GENERIC.bin', 'ESP32_GENERIC-v1.27.0.bin', 'ESP32_GENERIC-20251399-v1.27.0.bin', 'ESP32_GENERIC-20251209-1.27.0.bin', 'micropython-logo.png']) {
      assert.equal(parseFirmwareFileName(name), undefined, name);
    }
  });
});

describe('download pages', () => {
  it('lists board cards with product and vendor', () => {
    const boards = parseBoardList(page(boardListPage('esp32')), 'https://micropython.org/download/?mcu=esp32');
    assert.deepEqual(boards.map((b) => b.id), ['ESP32_GENERIC', 'UM_TINYPICO', 'LOLIN_D32']);
    assert.equal(boards[0]!.name, 'ESP32 / WROOM');
    assert.equal(boards[0]!.vendor, 'Espressif');
    assert.equal(boards[0]!.url, 'https://micropython.org/download/ESP32_GENERIC/');
  });

  it('collects firmware links from a board page as absolute URLs, skipping other links', () => {
    const p = parseBoardPage(page(boardPage('ESP32_GENERIC')), 'https://micropython.org/download/ESP32_GENERIC/', 'ESP32_GENERIC');
    assert.equal(p.title, 'ESP32 / WROOM');
    assert.ok(p.files.every((f) => f.url.startsWith('https://micropython.org/resources/firmware/')));
    assert.ok(!p.files.some((f) => f.fileName.endsWith('.png')));
    const bins = p.files.filter((f) => f.ext === 'bin');
    assert.deepEqual([...new Set(bins.map((f) => f.variant ?? 'standard'))].sort(), ['D2WD', 'IDF3', 'OTA', 'SPIRAM', 'UNICORE', 'standard']);
    assert.ok(p.files.some((f) => f.ext === 'app-bin') && p.files.some((f) => f.ext === 'elf'));
  });

  it('says the layout is unknown when a page has no board cards or no firmware links', () => {
    const s2 = page(boardPage('ESP32_GENERIC_S2'));
    assert.throws(() => parseBoardPage(s2, 'https://micropython.org/download/ESP32_GENERIC_S2/', 'ESP32_GENERIC_S2'), (e) => isUpyflashError(e, 'CATALOG_UNREADABLE') && /ESP32_GENERIC_S2/.test(e.message));
    assert.throws(() => parseBoardList(s2, 'https://micropython.org/download/?mcu=esp32s2'), (e) => isUpyflashError(e, 'CATALOG_UNREADABLE'));
  });
});

describe('choosing a file', () => {
  const esp32 = parseBoardPage(page(boardPage('ESP32_GENERIC')), 'https://micropython.org/download/ESP32_GENERIC/', 'ESP32_GENERIC').files;
  const esp8266 = parseBoardPage(page(boardPage('ESP8266_GENERIC')), 'https://micropython.org/download/ESP8266_GENERIC/', 'ESP8266_GENERIC').files;
  const pick = (files: readonly FirmwareEntry[], board: string, variant: string | undefined, version?: string) =>
    selectFirmware(files, { board, variant, version: parseVersionRequest(version) }, 'test').fileName;

  it('latest = newest release .bin of the plain build, never an .app-bin, a preview or a legacy variant', () => {
    assert.equal(pick(esp32, 'ESP32_GENERIC', undefined), 'ESP32_GENERIC-20251209-v1.27.0.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', 'SPIRAM'), 'ESP32_GENERIC-SPIRAM-20251209-v1.27.0.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', 'OTA'), 'ESP32_GENERIC-OTA-20250911-v1.26.1.bin');
  });

  it('preview, exact versions and legacy releases', () => {
    assert.equal(pick(esp32, 'ESP32_GENERIC', undefined, 'preview'), 'ESP32_GENERIC-20260110-v1.28.0-preview.16.g1a2b3c4d5.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', undefined, '1.24.1'), 'ESP32_GENERIC-20241129-v1.24.1.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', undefined, 'v1.18'), 'esp32-20220117-v1.18.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', undefined, '1.18.0'), 'esp32-20220117-v1.18.bin');
    assert.equal(pick(esp32, 'ESP32_GENERIC', 'IDF3', '1.14'), 'esp32-idf3-20210202-v1.14.bin');
    assert.equal(pick(esp8266, 'ESP8266_GENERIC', undefined, '1.9.4'), 'esp8266-20180511-v1.9.4.bin');
    assert.equal(matchingFirmware(esp32, { board: 'ESP32_GENERIC', variant: 'D2WD', version: parseVersionRequest('preview') }).length, 0);
  });

  it('names what exists when nothing matches', () => {
    assert.throws(
      () => pick(esp32, 'ESP32_GENERIC', 'SPIRAM_OCT'),
      (e) => isUpyflashError(e, 'FIRMWARE_NOT_FOUND') && /SPIRAM_OCT/.test(e.message) && /variants there: .*SPIRAM/.test(e.message),
    );
    assert.throws(() => pick(esp32, 'ESP32_GENERIC', undefined, '1.19.1'), (e) => isUpyflashError(e, 'FIRMWARE_NOT_FOUND') && /1\.27\.0/.test(e.message));
    assert.throws(() => parseVersionRequest('newest'), (e) => isUpyflashError(e, 'BAD_ARGUMENT'));
  });

  it('picks the ESP8266 variant from the detected flash size, the plain build otherwise', () => {
    assert.equal(chooseVariant('ESP8266_GENERIC', undefined, 1024 * 1024).variant, 'FLASH_1M');
    assert.equal(chooseVariant('ESP8266_GENERIC', undefined, 512 * 1024).variant, 'FLASH_512K');
    assert.equal(chooseVariant('ESP8266_GENERIC', undefined, 4 * 1024 * 1024).variant, undefined);
    assert.equal(chooseVariant('ESP8266_GENERIC', undefined, undefined).variant, undefined);
    // PSRAM cannot be seen from the ROM: an ESP32 stays on the plain build.
    assert.equal(chooseVariant('ESP32_GENERIC', undefined, 4 * 1024 * 1024).variant, undefined);
    assert.equal(chooseVariant('ESP32_GENERIC', 'spiram', 4 * 1024 * 1024).variant, 'SPIRAM');
    assert.equal(chooseVariant('ESP8266_GENERIC', 'standard', 1024 * 1024).variant, undefined);
    assert.throws(() => chooseVariant('ESP32_GENERIC', '../x', undefined), (e) => isUpyflashError(e, 'BAD_ARGUMENT'));
  });
});

describe('base URL policy', () => {
  it('is HTTPS unless a plain-http base is configured, and then only for that origin', () => {
    const https = parseSiteBase(undefined);
    assert.deepEqual(https, { url: 'https://micropython.org', plainHttp: false });
    assert.throws(() => checkUrlAllowed('http://micropython.org/resources/firmware/x.bin', https), (e) => isUpyflashError(e, 'DOWNLOAD_FAILED'));
    const mirror = parseSiteBase('http://127.0.0.1:8080/mirror/');
    assert.deepEqual(mirror, { url: 'http://127.0.0.1:8080/mirror', plainHttp: true });
    checkUrlAllowed('http://127.0.0.1:8080/resources/firmware/x.bin', mirror);
    checkUrlAllowed('https://example.org/x.bin', mirror);
    assert.throws(() => checkUrlAllowed('http://example.org/x.bin', mirror), (e) => isUpyflashError(e, 'DOWNLOAD_FAILED'));
    assert.throws(() => parseSiteBase('ftp://micropython.org'), (e) => isUpyflashError(e, 'BAD_ARGUMENT'));
    assert.throws(() => parseSiteBase('not a url'), (e) => isUpyflashError(e, 'BAD_ARGUMENT'));
  });
});
