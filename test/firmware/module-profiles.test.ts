import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBoardProcess } from '../../harness/board-process.js';
import { runCli } from '../../harness/cli-run.js';
import { startSiteServer, type SiteServer } from '../fixtures/site/site-server.js';

/**
 * Real parts end to end: `upyflash virtual-board --module NAME` (a child process with the part's eFuse
 * words, flash size and USB console), `detect --json` read over rfc2217:// and decoded the way esptool
 * decodes those words, then `flash` with no FILE choosing the build through the stand-in site. Each
 * profile names the eFuse fields and the esptool functions (targets/<chip>.py) its expectations follow.
 */

interface Identity {
  model: string;
  features: string[];
  cores: number;
  cpuMHz: number;
  embeddedFlashBytes: number | null;
  embeddedPsram: { bytes: number; type: string | null } | null;
  usb: string | null;
  fields: Record<string, number>;
  efuseWords: Record<string, string>;
  sources: Record<string, string>;
}

interface DetectDoc {
  result: { chip: string; description: string; flashSizeBytes: number; revision: { major: number; minor: number } | null; identity: Identity | null };
}

interface FlashDoc {
  ok: boolean;
  result: { firmware?: { fileName: string; board: string; variant?: string; version: string; choice: { line: string; from: string; notes: string[] } } };
}

interface Profile {
  module: string;
  chip: string;
  /** The eFuse fields read and the esptool functions followed, as the test states them. */
  follows: string;
  description: string;
  features: string[];
  flashBytes: number;
  usb: string;
  psram: { bytes: number; type: string } | null;
  embeddedFlashBytes: number | null;
  /** What `flash` with no FILE must pick. */
  file: string;
  /** The choice line (or its start where the chip data adds nothing new). */
  line: RegExp;
  /** Which sources the JSON must name (field -> esptool function). */
  sources: Record<string, string>;
}

const MB = 1024 * 1024;
const V = '20251209-v1.27.0';

const PROFILES: readonly Profile[] = [
  {
    module: 'ESP32-WROOM-32E', chip: 'esp32',
    follows: 'eFuse word3 (0x3FF5A00C) pkg bits 9..11 = 1, CPU_FREQ_RATED bit 13, rev bit 15; word5 (0x3FF5A014) bit 20; APB_CTL_DATE bit 31 — targets/esp32.py get_pkg_version(), get_major_chip_version() {7: 3}, get_chip_description() "-V3", get_chip_features()',
    description: 'ESP32-D0WD-V3 (revision v3.0)',
    features: ['WiFi', 'BT', 'Dual Core', '240MHz', 'VRef calibration in efuse', 'Coding Scheme None'],
    flashBytes: 4 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP32_GENERIC-${V}.bin`,
    line: /^ESP32-D0WD-V3 v3\.0, 4 MB flash, no PSRAM in the package → ESP32_GENERIC v1\.27\.0$/,
    sources: { pkg: 'targets/esp32.py get_pkg_version()', major: 'targets/esp32.py get_major_chip_version()' },
  },
  {
    module: 'ESP32-WROVER-E', chip: 'esp32',
    follows: 'the same eFuse words as the WROOM-32E (its PSRAM is outside the chip: no eFuse tells of it) — targets/esp32.py get_chip_features() lists no "Embedded PSRAM" for pkg 1',
    description: 'ESP32-D0WD-V3 (revision v3.0)',
    features: ['WiFi', 'BT', 'Dual Core', '240MHz', 'VRef calibration in efuse', 'Coding Scheme None'],
    flashBytes: 4 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP32_GENERIC-${V}.bin`,
    line: /→ ESP32_GENERIC v1\.27\.0$/,
    sources: { pkg: 'targets/esp32.py get_pkg_version()' },
  },
  {
    module: 'ESP32-PICO-V3-02', chip: 'esp32',
    follows: 'eFuse word3 pkg bits 9..11 = 6 — targets/esp32.py get_chip_description() {6: "ESP32-PICO-V3-02"}, get_chip_features() "Embedded Flash" for pkg 2/4/5/6 and "Embedded PSRAM" for pkg 6 (sizes: ESP32 datasheet, 8 MB flash + 2 MB PSRAM)',
    description: 'ESP32-PICO-V3-02 (revision v3.0)',
    features: ['WiFi', 'BT', 'Dual Core', '240MHz', 'Embedded Flash', 'Embedded PSRAM', 'VRef calibration in efuse', 'Coding Scheme None'],
    flashBytes: 8 * MB, usb: 'uart', psram: { bytes: 2 * MB, type: 'quad' }, embeddedFlashBytes: 8 * MB,
    file: `ESP32_GENERIC-SPIRAM-${V}.bin`,
    line: /^ESP32-PICO-V3-02 v3\.0, 8 MB flash, 2 MB quad PSRAM → ESP32_GENERIC SPIRAM v1\.27\.0$/,
    sources: { pkg: 'targets/esp32.py get_pkg_version()' },
  },
  {
    module: 'ESP32-S2FN4R2', chip: 'esp32s2',
    follows: 'BLOCK1 word3 (0x3F41A050) flash_version bits 21..24 = 2, psram_version bits 28..31 = 1; BLOCK2 word4 (0x3F41A06C) bits 4..6 = 2; UARTDEV_BUF_NO (0x3FFFFD14) = 2 — targets/esp32s2.py get_chip_description() {102: "ESP32-S2FNR2"}, get_chip_features(), get_block2_version(), uses_usb_otg()',
    description: 'ESP32-S2FNR2 (revision v0.0)',
    features: ['WiFi', 'Embedded Flash 4MB', 'Embedded PSRAM 2MB', 'ADC and temperature sensor calibration in BLK2 of efuse V2'],
    flashBytes: 4 * MB, usb: 'usb-otg', psram: { bytes: 2 * MB, type: 'quad' }, embeddedFlashBytes: 4 * MB,
    // The stand-in's S2 page fills its list by JavaScript, as the real one did: the release table stands in.
    file: `ESP32_GENERIC_S2-${V}.bin`,
    line: /^ESP32-S2FNR2 v0\.0, 4 MB flash, 2 MB quad PSRAM → ESP32_GENERIC_S2 v1\.27\.0$/,
    sources: { flashCap: 'targets/esp32s2.py get_flash_version()', psramCap: 'targets/esp32s2.py get_psram_version()', usb: 'targets/esp32s2.py uses_usb_otg()' },
  },
  {
    module: 'ESP32-S3-N16R8', chip: 'esp32s3',
    follows: 'BLOCK1 word3 (0x60007050) minor bits 18..20 = 2, blk_version_minor 24..26 = 1; word4 (0x60007054) psram_cap bits 3..4 = 1, psram vendor bits 7..8 = 1; word5 bit 19 = 0; UARTDEV_BUF_NO (0x3FCEF14C) = 4 — targets/esp32s3.py get_chip_description() {0: "ESP32-S3 (QFN56)"}, get_psram_cap(), get_psram_vendor() {1: "AP_3v3"}, get_chip_features(), uses_usb_jtag_serial()',
    description: 'ESP32-S3 (QFN56) (revision v0.2)',
    features: ['WiFi', 'BLE', 'Embedded PSRAM 8MB (AP_3v3)'],
    flashBytes: 16 * MB, usb: 'usb-serial-jtag', psram: { bytes: 8 * MB, type: 'octal' }, embeddedFlashBytes: null,
    file: `ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`,
    line: /^ESP32-S3 \(QFN56\) v0\.2, 16 MB flash, 8 MB octal PSRAM → ESP32_GENERIC_S3 SPIRAM_OCT v1\.27\.0$/,
    sources: { psramCap: 'targets/esp32s3.py get_psram_cap()', psramVendor: 'targets/esp32s3.py get_psram_vendor()', usb: 'targets/esp32s3.py uses_usb_otg(), uses_usb_jtag_serial()' },
  },
  {
    module: 'ESP32-S3-N8R2', chip: 'esp32s3',
    follows: 'BLOCK1 word4 (0x60007054) psram_cap bits 3..4 = 2 (2 MB), vendor bits 7..8 = 1 — targets/esp32s3.py get_psram_cap(), get_chip_features(); quad PSRAM runs on the standard build',
    description: 'ESP32-S3 (QFN56) (revision v0.2)',
    features: ['WiFi', 'BLE', 'Embedded PSRAM 2MB (AP_3v3)'],
    flashBytes: 8 * MB, usb: 'uart', psram: { bytes: 2 * MB, type: 'quad' }, embeddedFlashBytes: null,
    file: `ESP32_GENERIC_S3-${V}.bin`,
    line: /^ESP32-S3 \(QFN56\) v0\.2, 8 MB flash, 2 MB quad PSRAM → ESP32_GENERIC_S3 v1\.27\.0$/,
    sources: { psramCap: 'targets/esp32s3.py get_psram_cap()' },
  },
  {
    module: 'ESP32-S3-N4', chip: 'esp32s3',
    follows: 'BLOCK1 word3 flash_cap bits 27..29 = 0, word4 psram_cap = 0 — targets/esp32s3.py get_flash_cap(), get_psram_cap(); 4 MB detected flash (JEDEC capacity byte)',
    description: 'ESP32-S3 (QFN56) (revision v0.2)',
    features: ['WiFi', 'BLE'],
    flashBytes: 4 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP32_GENERIC_S3-FLASH_4M-${V}.bin`,
    line: /^ESP32-S3 \(QFN56\) v0\.2, 4 MB flash, no PSRAM in the package → ESP32_GENERIC_S3 FLASH_4M v1\.27\.0$/,
    sources: { flashCap: 'targets/esp32s3.py get_flash_cap()' },
  },
  {
    module: 'ESP32-C3-FH4', chip: 'esp32c3',
    follows: 'BLOCK1 word3 (0x60008850) minor bits 18..20 = 4, flash_cap bits 27..29 = 1; word4 (0x60008854) vendor bits 0..2 = 1; UARTDEV_BUF_NO (0x3FCDF07C) = 3 — targets/esp32c3.py get_chip_description(), get_flash_cap(), get_flash_vendor() {1: "XMC"}, uses_usb_jtag_serial()',
    description: 'ESP32-C3 (QFN32) (revision v0.4)',
    features: ['WiFi', 'BLE', 'Embedded Flash 4MB (XMC)'],
    flashBytes: 4 * MB, usb: 'usb-serial-jtag', psram: null, embeddedFlashBytes: 4 * MB,
    file: `ESP32_GENERIC_C3-${V}.bin`,
    line: /^ESP32-C3 \(QFN32\) v0\.4, 4 MB flash, no PSRAM in the package → ESP32_GENERIC_C3 v1\.27\.0$/,
    sources: { flashCap: 'targets/esp32c3.py get_flash_cap()', usb: 'targets/esp32c3.py uses_usb_jtag_serial()' },
  },
  {
    module: 'ESP32-C6', chip: 'esp32c6',
    follows: 'BLOCK1 word3 (0x600B0850) minor bits 18..21 = 1, major bits 22..23 = 0, pkg bits 24..26 = 0 — targets/esp32c6.py get_minor_chip_version(), get_major_chip_version(), get_chip_description() {0: "ESP32-C6 (QFN40)"}, get_chip_features()',
    description: 'ESP32-C6 (QFN40) (revision v0.1)',
    features: ['WiFi 6', 'BT 5', 'IEEE802.15.4'],
    flashBytes: 8 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP32_GENERIC_C6-${V}.bin`,
    line: /^ESP32-C6 \(QFN40\) v0\.1, 8 MB flash, no PSRAM in the package → ESP32_GENERIC_C6 v1\.27\.0$/,
    sources: { pkg: 'targets/esp32c6.py get_pkg_version()' },
  },
  {
    module: 'ESP-12F', chip: 'esp8266',
    follows: 'OTP bits 4 (0x3FF00050 bit 4) and 80 (0x3FF00058 bit 16) clear — targets/esp8266.py get_chip_description() "ESP8266EX", get_chip_features(); 4 MB flash keeps the standard build',
    description: 'ESP8266EX',
    features: ['WiFi'],
    flashBytes: 4 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP8266_GENERIC-${V}.bin`,
    line: /^ESP8266EX, 4 MB flash, no PSRAM in the package → ESP8266_GENERIC v1\.27\.0$/,
    sources: { embedded8285: 'targets/esp8266.py get_chip_description() is_8285' },
  },
  {
    module: 'ESP-01', chip: 'esp8266',
    follows: 'as the ESP-12F (targets/esp8266.py get_chip_description()), with a 1 MB flash: FLASH_1M',
    description: 'ESP8266EX',
    features: ['WiFi'],
    flashBytes: 1 * MB, usb: 'uart', psram: null, embeddedFlashBytes: null,
    file: `ESP8266_GENERIC-FLASH_1M-${V}.bin`,
    line: /^ESP8266EX, 1 MB flash, no PSRAM in the package → ESP8266_GENERIC FLASH_1M v1\.27\.0$/,
    sources: { embedded8285: 'targets/esp8266.py get_chip_description() is_8285' },
  },
];

describe('module profiles: detect as esptool would, then the build that fits (virtual-board --module, stand-in site)', () => {
  let site: SiteServer;
  let dir: string;
  before(async () => {
    site = await startSiteServer();
    dir = await mkdtemp(join(tmpdir(), 'upyflash-modules-'));
  });
  after(async () => {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = (name: string) => ({ ...process.env, UPYFLASH_CACHE_DIR: join(dir, `cache-${name}`), UPYFLASH_DATA_DIR: join(dir, 'data'), UPYFLASH_BASE_URL: '' });

  for (const p of PROFILES) {
    it(`${p.module}: ${p.description} → ${p.file} (follows ${p.follows})`, async () => {
      const flashFile = join(dir, `${p.module}.bin`);
      const board = await startBoardProcess({ chip: p.chip, flashFile, args: ['--module', p.module] });
      try {
        const det = await runCli(['detect', '--json', '--port', board.rfc2217], { env: env(p.module) });
        assert.equal(det.code, 0, det.stderr);
        const d = (JSON.parse(det.stdout) as DetectDoc).result;
        assert.equal(d.description, p.description);
        assert.equal(d.flashSizeBytes, p.flashBytes);
        const id = d.identity!;
        assert.deepEqual(id.features, p.features);
        assert.equal(id.usb, p.usb);
        assert.deepEqual(id.embeddedPsram, p.psram);
        assert.equal(id.embeddedFlashBytes, p.embeddedFlashBytes);
        for (const [field, source] of Object.entries(p.sources)) assert.equal(id.sources[field], source, field);
        assert.ok(Object.keys(id.efuseWords).length > 0, 'the words the decoding started from are in the document');

        const fl = await runCli(['flash', '--port', board.rfc2217, '--base-url', site.baseUrl, '--no-boot-check', '--json'], { env: env(p.module), timeoutMs: 90_000 });
        assert.equal(fl.code, 0, fl.stdout + fl.stderr);
        const fw = (JSON.parse(fl.stdout) as FlashDoc).result.firmware!;
        assert.equal(fw.fileName, p.file);
        assert.match(fw.choice.line, p.line);
        assert.equal(fw.choice.from, 'chip');
      } finally {
        await board.stop();
      }
      const written = await readFile(flashFile);
      const image = site.imageFor(p.file);
      const at = p.chip === 'esp32' || p.chip === 'esp32s2' ? 0x1000 : 0;
      // Past the header, whose flash size byte the ESP8266 job sets to the detected size.
      assert.deepEqual(new Uint8Array(written.subarray(at + 16, at + image.length)), image.subarray(16), 'the chosen image is what the flash holds');
    });
  }

  it('WROVER-E: says that PSRAM outside the chip cannot be seen', async () => {
    const board = await startBoardProcess({ chip: 'esp32', args: ['--module', 'ESP32-WROVER-E'] });
    try {
      const fl = await runCli(['flash', '--port', board.rfc2217, '--base-url', site.baseUrl, '--no-boot-check', '--json'], { env: env('wrover-note'), timeoutMs: 90_000 });
      assert.equal(fl.code, 0, fl.stderr);
      const fw = (JSON.parse(fl.stdout) as FlashDoc).result.firmware!;
      assert.ok(fw.choice.notes.some((n) => /PSRAM outside the chip .* --variant SPIRAM/.test(n)), fw.choice.notes.join('\n'));
    } finally {
      await board.stop();
    }
  });

  it('refuses an octal-PSRAM build on an S3 without PSRAM before anything is erased (E03C, the fitting build named); --force flashes it', async () => {
    const flashFile = join(dir, 'n4-refuse.bin');
    const board = await startBoardProcess({ chip: 'esp32s3', flashFile, args: ['--module', 'ESP32-S3-N4'] });
    try {
      const asked = site.requests.length;
      const refused = await runCli(['flash', '--port', board.rfc2217, '--base-url', site.baseUrl, '--no-boot-check', '--variant', 'SPIRAM_OCT', '--json'], { env: env('refuse') });
      assert.equal(refused.code, 4, refused.stdout + refused.stderr);
      const err = (JSON.parse(refused.stdout) as { error: { code: string; hint: string; details: Record<string, unknown> } }).error;
      assert.equal(err.code, 'E03C');
      assert.match(err.hint, /ESP32_GENERIC_S3 FLASH_4M fits this board/);
      assert.equal(err.details['suggestedVariant'], 'FLASH_4M');
      assert.ok(!site.requests.slice(asked).some((r) => r.includes('/resources/firmware/')), 'nothing was downloaded');

      const forced = await runCli(['flash', '--port', board.rfc2217, '--base-url', site.baseUrl, '--no-boot-check', '--variant', 'SPIRAM_OCT', '--force', '--json'], { env: env('refuse') });
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal((JSON.parse(forced.stdout) as FlashDoc).result.firmware?.fileName, `ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`);
      assert.match(forced.stderr, /--force: the ESP32_GENERIC_S3 SPIRAM_OCT build needs octal PSRAM/);
    } finally {
      await board.stop();
    }
    // Refused first: the flash held only erased bytes until the forced run wrote the image.
    const written = await readFile(flashFile);
    const image = site.imageFor(`ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`);
    assert.deepEqual(new Uint8Array(written.subarray(0, image.length)), image);
  });

  it('a local file named for the octal-PSRAM build is refused on an S3 without PSRAM too (E03C), and goes with --force', async () => {
    const file = join(dir, `ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`);
    const image = site.imageFor(`ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`);
    await writeFile(file, image);
    const flashFile = join(dir, 'n4-local.bin');
    const board = await startBoardProcess({ chip: 'esp32s3', flashFile, args: ['--module', 'ESP32-S3-N4'] });
    try {
      const refused = await runCli(['flash', file, '--port', board.rfc2217, '--no-boot-check', '--json'], { env: env('local') });
      assert.equal(refused.code, 4, refused.stdout + refused.stderr);
      const err = (JSON.parse(refused.stdout) as { error: { code: string; hint: string } }).error;
      assert.equal(err.code, 'E03C');
      assert.match(err.hint, /This board wants ESP32_GENERIC_S3 FLASH_4M: run `upyflash flash` without a file/);
      assert.ok((await readFile(flashFile)).every((b) => b === 0xff), 'nothing was written or erased');
      const forced = await runCli(['flash', file, '--port', board.rfc2217, '--no-boot-check', '--force', '--json'], { env: env('local') });
      assert.equal(forced.code, 0, forced.stderr);
    } finally {
      await board.stop();
    }
    assert.deepEqual(new Uint8Array((await readFile(flashFile)).subarray(0, image.length)), image);
  });

  it('a mixed fleet with no FILE: each board its own build, the one running LOLIN_S2_MINI stays on it (flash --port ×4)', async () => {
    const mini = join(dir, 'fleet-mini.bin');
    const flash = new Uint8Array(4 * MB).fill(0xff);
    flash.set(site.imageFor('LOLIN_S2_MINI-20250911-v1.26.1.bin'), 0x1000);
    await writeFile(mini, flash);
    const boards = await Promise.all([
      startBoardProcess({ chip: 'esp32s3', args: ['--module', 'ESP32-S3-N16R8'] }),
      startBoardProcess({ chip: 'esp32s3', args: ['--module', 'ESP32-S3-N4'] }),
      startBoardProcess({ chip: 'esp8266', args: ['--module', 'ESP-01'] }),
      startBoardProcess({ chip: 'esp32s2', flashFile: mini, args: ['--module', 'ESP32-S2FN4R2'] }),
    ]);
    try {
      const up = await runCli(['fs', 'ls', '--port', boards[3]!.rfc2217], { env: env('fleet'), timeoutMs: 60_000 });
      assert.equal(up.code, 0, up.stderr);
      const urls = boards.map((b) => b.rfc2217);
      const run = await runCli(['flash', ...urls.flatMap((u) => ['--port', u]), '--base-url', site.baseUrl, '--no-boot-check', '--json'], { env: env('fleet'), timeoutMs: 150_000 });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const doc = JSON.parse(run.stdout) as { result: { boards: Array<{ port: string; ok: boolean; firmware: string }> } };
      const byPort = new Map(doc.result.boards.map((b) => [b.port, b.firmware]));
      assert.deepEqual(urls.map((u) => byPort.get(u)), [
        `ESP32_GENERIC_S3-SPIRAM_OCT-${V}.bin`,
        `ESP32_GENERIC_S3-FLASH_4M-${V}.bin`,
        `ESP8266_GENERIC-FLASH_1M-${V}.bin`,
        'LOLIN_S2_MINI-20251209-v1.27.0.bin',
      ]);
    } finally {
      await Promise.all(boards.map((b) => b.stop()));
    }
  });

  it('a board running a named board\'s build (LOLIN_S2_MINI v1.26.1) gets that board\'s newer release', async () => {
    const old = site.imageFor('LOLIN_S2_MINI-20250911-v1.26.1.bin');
    const flashFile = join(dir, 's2-mini.bin');
    const flash = new Uint8Array(4 * MB).fill(0xff);
    flash.set(old, 0x1000);
    await writeFile(flashFile, flash);
    const board = await startBoardProcess({ chip: 'esp32s2', flashFile, args: ['--module', 'ESP32-S2FN4R2'] });
    try {
      // The board boots the old MicroPython; asking it over the REPL proves it is up before the flash.
      const ls = await runCli(['fs', 'ls', '--port', board.rfc2217], { env: env('s2-mini'), timeoutMs: 60_000 });
      assert.equal(ls.code, 0, ls.stderr);
      const fl = await runCli(['flash', '--port', board.rfc2217, '--base-url', site.baseUrl, '--no-boot-check', '--json'], { env: env('s2-mini'), timeoutMs: 90_000 });
      assert.equal(fl.code, 0, fl.stdout + fl.stderr);
      const fw = (JSON.parse(fl.stdout) as FlashDoc).result.firmware!;
      assert.equal(fw.fileName, 'LOLIN_S2_MINI-20251209-v1.27.0.bin');
      assert.equal(fw.choice.from, 'running');
      assert.match(fw.choice.line, /running LOLIN_S2_MINI with ESP32S2 v1\.26\.1 → LOLIN_S2_MINI v1\.27\.0$/);
      assert.match(fl.stderr, /The board runs MicroPython v1\.26\.1 \(LOLIN_S2_MINI with ESP32S2\)/);
    } finally {
      await board.stop();
    }
    const written = await readFile(flashFile);
    const image = site.imageFor('LOLIN_S2_MINI-20251209-v1.27.0.bin');
    assert.deepEqual(new Uint8Array(written.subarray(0x1000, 0x1000 + image.length)), image);
  });
});
