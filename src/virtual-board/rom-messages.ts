import type { ChipId } from '../chips/types.js';
import type { BootImageInfo } from './boot-image.js';

/**
 * What each chip's boot ROM prints on UART0, as data. Sources: the recorded ESP32 ROM
 * (traces/esp32-rom-boot-erased-flash.txt, traces/mpy-repl), esptool's boot-log handling, Espressif's
 * download guidelines ("waiting for download") and boot logs of real boards. These are the board's
 * facts about ROM output; the client only pattern-matches them (`boot:0x..`, `waiting for download`).
 */

export type ResetCause = 'power-on' | 'external' | 'rtc-watchdog';

export interface RomMessages {
  /** Baud the ROM prints its boot text at (ESP8266: 74880, its 26 MHz crystal under a 40 MHz divider). */
  readonly textBaud: number;
  /** Baud the ROM download loader listens and answers at. */
  readonly loaderBaud: number;
  /** Baud the application (MicroPython) sets up. */
  readonly appBaud: number;
  /** Reset banner and boot-mode line. */
  banner(cause: ResetCause, download: boolean, revision: number): string;
  /** Printed after the banner in download mode ('' on ESP8266, which prints nothing more). */
  readonly waitingForDownload: string;
  /** Printed while the ROM loads a valid image from flash. */
  imageLoad(image: BootImageInfo): string;
  /**
   * What the ROM does when the flash holds no image: print a line per attempt, and after a number of
   * attempts the RTC watchdog resets the chip (and it all starts again). Undefined: prints nothing.
   */
  readonly invalidHeader?: { line(firstWord: number): string; attempts: number; intervalMs: number };
}

const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const FLASH_MODES = ['QIO', 'QOUT', 'DIO', 'DOUT'];
/** SPI clock divider from the frequency nibble: 80 MHz / div. */
const CLOCK_DIV: Record<number, number> = { 0x0: 2, 0x1: 3, 0x2: 4, 0xf: 1 };
const modeLine = (img: BootImageInfo): string =>
  `mode:${FLASH_MODES[img.flashMode] ?? 'DIO'}, clock div:${CLOCK_DIV[img.flashFreq] ?? 2}\r\n`;

const invalidHeader = { line: (w: number) => `invalid header: ${hex8(w)}\r\n`, attempts: 8, intervalMs: 120 };

/** The original ESP32 ROM ("ets" banner, reset and boot names with the _RESET/_BOOT suffixes). */
function esp32Rom(): RomMessages {
  const causes: Record<ResetCause, string> = {
    'power-on': '0x1 (POWERON_RESET)',
    external: '0x1 (POWERON_RESET)', // the EN pin is a power-on reset on the ESP32
    'rtc-watchdog': '0x10 (RTCWDT_RTC_RESET)',
  };
  return {
    textBaud: 115200,
    loaderBaud: 115200,
    appBaud: 115200,
    // ECO3 (revision 3) has the 2019 ROM (the traces were recorded with it); earlier ones the 2016 ROM.
    banner: (cause, download, revision) =>
      `ets ${revision >= 3 ? 'Jul 29 2019 12:21:46' : 'Jun  8 2016 00:22:57'}\r\n\r\n` +
      `rst:${causes[cause]},boot:${download ? '0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))' : '0x13 (SPI_FAST_FLASH_BOOT)'}\r\n`,
    waitingForDownload: 'waiting for download\r\n',
    imageLoad: (img) =>
      'configsip: 0, SPIWP:0xee\r\n' +
      'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n' +
      modeLine(img) +
      img.segments.map((s) => `load:${hex8(s.loadAddress)},len:${s.length}\r\n`).join('') +
      `entry ${hex8(img.entry)}\r\n`,
    invalidHeader,
  };
}

/**
 * The "ESP-ROM:" ROMs of the S2, S3, C2, C3, C5, C6, H2, P4 (shorter reset names, lengths in hex). The
 * newest (C5, P4) print the flash mode as one "SPI mode:" line without the SPIWP line. The C2 on its
 * usual 26 MHz crystal prints at 74880 baud: its ROM times the UART for 40 MHz (as the ESP8266's does).
 */
function espRom(
  build: string,
  date: string,
  downloadBoot: string,
  flashBoot: string,
  style: { textBaud?: number; spiModeLine?: boolean } = {},
): RomMessages {
  const causes: Record<ResetCause, string> = {
    'power-on': '0x1 (POWERON)',
    external: '0x1 (POWERON)',
    'rtc-watchdog': '0x10 (RTCWDT_RTC_RST)',
  };
  return {
    textBaud: style.textBaud ?? 115200,
    loaderBaud: 115200,
    appBaud: 115200,
    banner: (cause, download) =>
      `ESP-ROM:${build}\r\nBuild:${date}\r\nrst:${causes[cause]},boot:${download ? downloadBoot : flashBoot}\r\n`,
    waitingForDownload: 'waiting for download\r\n',
    imageLoad: (img) =>
      (style.spiModeLine ? `SPI ${modeLine(img)}` : 'SPIWP:0xee\r\n' + modeLine(img)) +
      img.segments.map((s) => `load:${hex8(s.loadAddress)},len:0x${s.length.toString(16)}\r\n`).join('') +
      `entry ${hex8(img.entry)}\r\n`,
    invalidHeader,
  };
}

/** The ESP8266 ROM ("ets Jan  8 2013"), printing at 74880 baud; its loader syncs at 115200. */
function esp8266Rom(): RomMessages {
  const causes: Record<ResetCause, number> = { 'power-on': 1, external: 2, 'rtc-watchdog': 4 };
  return {
    textBaud: 74880,
    loaderBaud: 115200,
    appBaud: 115200,
    // boot mode (x,y): x is the GPIO15/GPIO0/GPIO2 strap, 1 = UART download, 3 = flash boot.
    banner: (cause, download) =>
      `\r\n ets Jan  8 2013,rst cause:${causes[cause]}, boot mode:(${download ? 1 : 3},6)\r\n\r\n`,
    waitingForDownload: '',
    imageLoad: (img) =>
      img.segments.map((s) => `load ${hex8(s.loadAddress)}, len ${s.length}, room 16 \r\n`).join(''),
  };
}

export const ROM_MESSAGES: Readonly<Record<ChipId, RomMessages>> = {
  esp8266: esp8266Rom(),
  esp32: esp32Rom(),
  esp32s2: espRom('esp32s2-rc4-20191025', 'Oct 25 2019', '0x0 (DOWNLOAD(USB/UART0/1))', '0x8 (SPI_FAST_FLASH_BOOT)'),
  esp32s3: espRom('esp32s3-20210327', 'Mar 27 2021', '0x0 (DOWNLOAD(USB/UART0))', '0x8 (SPI_FAST_FLASH_BOOT)'),
  esp32c3: espRom('esp32c3-api1-20210207', 'Feb  7 2021', '0x5 (DOWNLOAD(USB/UART0/1))', '0xc (SPI_FAST_FLASH_BOOT)'),
  esp32c6: espRom('esp32c6-20220919', 'Sep 19 2022', '0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))', '0x6c (SPI_FAST_FLASH_BOOT)'),
  // Banners as real boards print them (ESP-IDF's ESP32-C2 boot log docs; H2, C5 and P4 board logs).
  // The download-boot strap values of the H2 and C5 are assumed in the C6's pattern.
  esp32c2: espRom('esp8684-api2-20220127', 'Jan 27 2022', '0x4 (DOWNLOAD(UART0))', '0xc (SPI_FAST_FLASH_BOOT)', { textBaud: 74880 }),
  esp32c5: espRom('esp32c5-eco2-20250121', 'Jan 21 2025', '0x1a (DOWNLOAD(USB/UART0))', '0x18 (SPI_FAST_FLASH_BOOT)', { spiModeLine: true }),
  esp32h2: espRom('esp32h2-20221101', 'Nov  1 2022', '0x4 (DOWNLOAD(USB/UART0))', '0xc (SPI_FAST_FLASH_BOOT)'),
  esp32p4: espRom('esp32p4-eco2-20240710', 'Jul 10 2024', '0x307 (DOWNLOAD(USB/UART0/SPI))', '0x30f (SPI_FAST_FLASH_BOOT)', { spiModeLine: true }),
};
