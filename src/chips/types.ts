/**
 * Everything upyflash knows about one chip family, as data. Code asks these fields
 * (`chip.rom.supportsDeflate`), it never branches on a chip's name.
 */

import type { ChipIdentityFacts } from './identity.js';

export type ChipId =
  | 'esp8266'
  | 'esp32'
  | 'esp32s2'
  | 'esp32s3'
  | 'esp32c2'
  | 'esp32c3'
  | 'esp32c5'
  | 'esp32c6'
  | 'esp32h2'
  | 'esp32p4';

export interface LoaderDialect {
  /** Status bytes at the end of every reply: ESP8266 ROM and all stubs 2, ESP32-family ROMs 4. */
  readonly statusBytes: 2 | 4;
  /** Words in FLASH_BEGIN / FLASH_DEFL_BEGIN: ESP32 and ESP8266 ROMs take 4, the rest (and stubs) 5. */
  readonly flashBeginWords: 4 | 5;
  /** Words in SPI_ATTACH; 0 = no SPI_ATTACH (ESP8266 ROM: FLASH_BEGIN with size 0 stands in). */
  readonly spiAttachWords: 0 | 1 | 2;
  readonly supportsDeflate: boolean;
  /** SPI_FLASH_MD5; `md5Format` says how the digest comes back. */
  readonly supportsMd5: boolean;
  readonly md5Format: 'hex' | 'raw';
  readonly supportsChangeBaud: boolean;
  readonly supportsSecurityInfo: boolean;
  /** ERASE_FLASH, ERASE_REGION, READ_FLASH (0xD0..0xD2). */
  readonly supportsStubCommands: boolean;
  /** Flash data block size. */
  readonly flashBlockSize: number;
  /** FLASH_BEGIN erase size needs esptool's get_erase_size workaround (ESP8266 ROM bug). */
  readonly eraseSizeBug: boolean;
  /** ROM deflate BEGIN takes the uncompressed size rounded up to whole blocks (it erases that much). */
  readonly deflateSizeRoundedToBlocks: boolean;
}

export interface SpiRegisters {
  readonly base: number;
  readonly usr: number;
  readonly usr1: number;
  readonly usr2: number;
  /** MOSI/MISO bit-length registers; undefined on ESP8266 where the lengths live in USR1. */
  readonly mosiDlen?: number;
  readonly misoDlen?: number;
  readonly w0: number;
}

export interface ChipSpec {
  readonly id: ChipId;
  /** As Espressif writes it: 'ESP32-S3'. */
  readonly name: string;
  /** As MicroPython's banner writes it: 'ESP32S3'. */
  readonly mcuName: string;
  readonly imageFormat: 'esp8266' | 'esp32';
  /** Values of READ_REG(0x40001000) that identify the chip (ROMs without GET_SECURITY_INFO chip id). */
  readonly magicValues: readonly number[];
  /** chip_id in GET_SECURITY_INFO and in the image extended header; undefined for ESP8266. */
  readonly imageChipId: number | undefined;
  /** Where the full (bootloader-first) image goes: MicroPython's .bin is written here. */
  readonly bootloaderOffset: number;
  /** Where a MicroPython .app-bin goes. */
  readonly appOffset: number;
  readonly rom: LoaderDialect;
  readonly stub: LoaderDialect;
  /** File name under esptool-js's lib/targets/stub_flasher/. */
  readonly stubFile: string;
  /** Flash size name -> header nibble (high nibble of byte 3). */
  readonly flashSizes: Readonly<Record<string, number>>;
  /** Flash frequency name -> header nibble (low nibble of byte 3). */
  readonly flashFrequencies: Readonly<Record<string, number>>;
  readonly spi: SpiRegisters;
  readonly uartClkdivReg: number;
  /**
   * Where the factory MAC lives. 'words': two registers, low word then high word (big-endian MAC in
   * the last 6 bytes of high:low). 'esp32': eFuse words 1 and 2 of the ESP32 layout. 'esp8266-otp':
   * OTP words MAC0, MAC1, MAC3 from which the ESP8266 derives its MAC (with Espressif's OUI).
   */
  readonly mac: { readonly layout: 'words' | 'esp32' | 'esp8266-otp'; readonly regs: readonly number[] };
  /** Crystal frequencies the chip can have (MHz); the first is the usual one. */
  readonly crystalsMHz: readonly number[];
  /**
   * The ESP32 ROM computes CHANGE_BAUDRATE from a drifting internal clock estimate; esptool
   * (targets/esp32.py) asks for `baud * romFreq / realCrystal` so that the resulting rate is right.
   * romFreq = ((rtcCaliReg >> caliShift) & caliMask) * 15625 * (ck8mEfuseReg & 0xff) / 40.
   */
  readonly romBaudCorrection?: {
    readonly rtcCaliReg: number;
    readonly caliShift: number;
    readonly caliMask: number;
    readonly ck8mEfuseReg: number;
  };
  /**
   * Where the chip revision can be read simply. 'esp32': major from eFuse word 3 bit 15, word 5 bit 20
   * and APB_CTL_DATE bit 31; minor from word 5 bits 24..25 (esptool targets/esp32.py).
   */
  readonly revision?: { readonly layout: 'esp32'; readonly efuseBase: number; readonly apbCtlDateReg: number };
  /** Flash in a typical module, for the virtual board. */
  readonly defaultFlashBytes: number;
  /** MicroPython generic board id and the board name its banner prints. */
  readonly micropython: { readonly board: string; readonly boardName: string };
  /** UART clock / crystal in the ROM loader (esptool's XTAL_CLK_DIVIDER): ESP8266 2, others 1. */
  readonly uartClockPerXtal?: number;
  /**
   * esp-flasher-stub re-programs the UART divider for the baud the ROM recorded at boot when it starts
   * (src/main.c raises the UART clock first), so a CHANGE_BAUDRATE sent to the ROM before the upload is
   * undone: change the rate through the stub only. Undefined = false (the ROM may change it first).
   */
  readonly stubRestoresRomBaud?: boolean;
  /**
   * The fastest rate the flasher stub's UART can run, where the stub raises the UART's source clock
   * (esp-flasher-stub v1.2 src/main.c: ESP32, ESP32-S2, ESP32-P4 go from the 40 MHz crystal to an
   * 80 MHz APB clock). A UART divides its source clock by at least 16: esp-idf's SOC_UART_BITRATE_MAX
   * is 5 Mbit/s on 80 MHz parts and 2.5 Mbit/s on the ESP32-C2, whose UART runs from 40 MHz. Undefined:
   * the stub keeps the ROM's clock, so the ROM's ceiling (ROM_UART_MAX_BAUD) holds for it too.
   */
  readonly stubUartMaxBaud?: number;
  /**
   * The crystal the ROM's CHANGE_BAUDRATE computes the divider for, where it can differ from the real
   * one: a fixed belief (ESP32-C2: 40 MHz even on 26 MHz parts, esptool targets/esp32c2.py change_baud)
   * or a register field (ESP32-C5: PCR_SYSCLK_CONF bits 24..30). The ROM is then asked for
   * `baud * romMHz / realMHz`. The stub knows the real crystal.
   */
  readonly romUartXtal?: { readonly assumedMHz: number } | { readonly reg: number; readonly shift: number; readonly mask: number };
  /**
   * Where flash encryption and secure boot show on a chip whose ROM has no GET_SECURITY_INFO (ESP32,
   * esptool targets/esp32.py): FLASH_CRYPT_CNT as a field of one eFuse word (enabled when an odd number
   * of its bits is set) and the secure boot "done" bits (ABS_DONE_0 for v1, ABS_DONE_1 for v2).
   */
  readonly securityEfuses?: {
    readonly cryptCnt: { readonly reg: number; readonly shift: number; readonly mask: number };
    readonly secureBoot: { readonly reg: number; readonly mask: number };
  };
  /**
   * esptool v5's reset without DTR/RTS (`--after watchdog-reset`; targets' watchdog_reset /
   * rtc_wdt_reset): register writes that arm the RTC watchdog, which resets the chip into its
   * firmware. Absent where esptool has none (ESP32, ESP8266): there only EN resets the chip.
   */
  readonly watchdogReset?: readonly RegisterWrite[];
  /** Model, revision, features, in-package memory and USB console from eFuses, as esptool reads them (chips/identity.ts). */
  readonly identity?: ChipIdentityFacts;
}

export const ROM_MAGIC_REG = 0x40001000;

/** One WRITE_REG: `value` into the bits of `mask` at `addr`. */
export interface RegisterWrite {
  readonly addr: number;
  readonly value: number;
  readonly mask?: number;
}
