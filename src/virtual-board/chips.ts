import type { ChipId } from '../chips/types.js';
import { ROM_MESSAGES, type RomMessages } from './rom-messages.js';

/**
 * The virtual board's own description of each chip: what its ROM and silicon do, as the emulator needs
 * it. Deliberately separate from src/chips (what the client believes): a fact kept in one place for
 * both sides could be wrong on both at once, and the board would then agree with a client bug instead
 * of exposing it. Sources are Espressif's traces in shared/traces, esptool's targets/*.py and
 * esp-stub-lib's ROM linker scripts; each field says where it comes from.
 */

/** What one ROM download loader accepts and how it answers (traces/esp32-rom-*, esp32c3-rom-*, esp8266-rom-*). */
export interface RomLoaderFacts {
  /** Status bytes closing every reply: 4 on the ESP32 family, 2 on the ESP8266. */
  readonly statusBytes: 2 | 4;
  /** FLASH_BEGIN / FLASH_DEFL_BEGIN words it takes (ESP32 and ESP8266: 4; newer ROMs: 5 with `encrypted`). */
  readonly flashBeginWords: 4 | 5;
  /** SPI_ATTACH words; 0 = the ROM has no SPI_ATTACH (ESP8266). */
  readonly spiAttachWords: 0 | 1 | 2;
  readonly deflate: boolean;
  readonly md5: boolean;
  readonly changeBaud: boolean;
  readonly securityInfo: boolean;
  /** The ESP8266 ROM's SPIEraseArea erases more than asked (esptool targets/esp8266.py get_erase_size). */
  readonly eraseSizeBug: boolean;
  /** The SYNC reply's value stays in the reply buffer (C3 trace); the ESP32 and ESP8266 ROMs keep the older value. */
  readonly syncLeavesReplyValue: boolean;
  /**
   * READ_FLASH_SLOW (0x0E): `offset, length` in, always a 64-byte buffer out. esptool's ESP32ROM (and
   * every ROM class derived from it) has read_flash_slow, "ROM only, 64-byte blocks"; the ESP8266 ROM
   * has not (esptool test_read_nostub_high_offset skips it: "ESP8266 does not support read_flash_slow").
   */
  readonly readFlashSlow: boolean;
  /**
   * What connects the SPI flash to the ROM loader: the ESP32-family ROMs come up with the flash pins
   * unattached and need SPI_ATTACH; the ESP8266 ROM has no SPI_ATTACH and attaches in FLASH_BEGIN
   * (esptool flash_spi_attach: "flash_begin will do it"). Before that, SPI commands sent through the
   * registers read an idle-high MISO (issue 23: esptool's flash_id before attach reads device ffff,
   * "Detected flash size: Unknown"). A flasher stub attaches the flash when it starts.
   */
  readonly flashAttachedBy: 'spi-attach' | 'flash-begin';
}

/**
 * The ESP32 ROM's estimate of its crystal, from which its CHANGE_BAUDRATE computes the UART divider:
 * TIMG0 RTCCALICFG1's calibration value (bits 7..31) times 15625 times the eFuse CK8M_FREQ byte / 40
 * (esptool targets/esp32.py get_rom_cal_crystal_freq, which replays the ROM's arithmetic). The ROM
 * measures the calibration value against the crystal at boot, so it scales with the real crystal.
 */
export interface RomClockCalibration {
  readonly caliReg: number;
  readonly caliShift: number;
  readonly caliMask: number;
  readonly ck8mReg: number;
  /** EFUSE_RD_CK8M_FREQ as burnt at the factory. */
  readonly ck8m: number;
}

export interface BoardChip {
  readonly id: ChipId;
  readonly rom: RomLoaderFacts;
  /** What READ_REG(0x40001000) returns (esptool's CHIP_DETECT_MAGIC_VALUE; traces for ESP32/ESP8266). */
  readonly magic: number;
  /** Value field of the ROM's SYNC replies. */
  readonly syncReplyValue: number;
  /** How many replies one SYNC gets, from the ROM and from every stub. */
  readonly syncReplies: number;
  /** Registers as the ROM loader leaves them that tools read (SPI user register, APB date), from the traces. */
  readonly romRegisters: Readonly<Record<number, number>>;
  readonly uartClkdivReg: number;
  /** UART source clock / crystal in the ROM loader (esptool XTAL_CLK_DIVIDER: ESP8266 2, others 1). */
  readonly uartClockPerXtal: number;
  /**
   * The UART's source clock in the ROM loader, MHz: the crystal (40 MHz on most of the family, 32 on the
   * H2, 48 on the C5), times two on the ESP8266. A UART divides by at least 16 (esp-idf
   * SOC_UART_BITRATE_MAX: 5 Mbit/s from 80 MHz, 2.5 Mbit/s on the C2's 40 MHz), so a rate above
   * clock/16 cannot be set: the divider bottoms out and the line runs at clock/16 instead.
   */
  readonly romUartClockMHz: number;
  /** GET_SECURITY_INFO carries chip_id and eco_version (20 bytes) or not (ESP32-S2: 12 bytes). */
  readonly securityInfoHasChipId: boolean;
  /** chip_id in GET_SECURITY_INFO. */
  readonly securityChipId: number;
  /**
   * Address of `UartDev.baud_rate`, the ROM's record of the rate it auto-bauded to (ESP32: 0x3FFE019C,
   * PROTOCOL-NOTES after esp-stub-lib's esp32.rom.ld). Undefined: address not known here (the board still
   * keeps the record, it just cannot be read back).
   */
  readonly romBaudRecordReg?: number;
  /**
   * Whether the ROM's CHANGE_BAUDRATE updates that record. ESP32: no (PROTOCOL-NOTES, read from the ROM in
   * an emulator: CLKDIV changes, `UartDev.baud_rate` stays 115200). Unknown for others: assumed the same.
   */
  readonly romChangeBaudUpdatesRecord: boolean;
  /**
   * esp-flasher-stub v1.1+ raises the UART source clock at start on this chip and re-programs the divider
   * for the ROM's recorded baud (src/main.c esp_main: `#if defined(ESP32) || defined(ESP32S2) ||
   * defined(ESP32P4)`, stub_lib_uart_rominit_get_baudrate / _set_baudrate).
   */
  readonly flasherStubResetsUartToRomBaud: boolean;
  /** Where it does, the UART's source clock afterwards: the 80 MHz APB clock (esp-stub-lib clock.c: CPU from the PLL). */
  readonly stubUartClockMHz?: number;
  /**
   * The CPU clock esp-flasher-stub runs at after its clock setup, where it raises it (esp-stub-lib
   * src/target/esp32/src/clock.c: 160 MHz on the ESP32); undefined: the ROM's (the crystal). Charges
   * the stub's MD5 (loader/md5-cost.ts).
   */
  readonly stubCpuMHz?: number;
  readonly messages: RomMessages;
  /**
   * Where the ROM's flash boot reads the second-stage bootloader (ESP8266, S3, C3, C6: 0x0; ESP32, S2:
   * 0x1000; esp-idf's CONFIG_BOOTLOADER_OFFSET_IN_FLASH), and the header size before its segments.
   */
  readonly bootOffset: number;
  readonly bootHeaderBytes: 8 | 24;
  /**
   * The crystal the ROM's CHANGE_BAUDRATE divides for, where it is not the real one: the ESP32-C2 ROM
   * assumes 40 MHz (esptool targets/esp32c2.py change_baud), the ESP32-C5 ROM uses what PCR_SYSCLK_CONF
   * bits 24..30 say (targets/esp32c5.py). The UART then runs at `asked * real / assumed`.
   */
  readonly romUartXtal?:
    | { readonly assumedMHz: number }
    | { readonly reg: number; readonly shift: number; readonly mask: number }
    | { readonly calibration: RomClockCalibration };
  /**
   * Which end of SPI_ADDR a user command's address phase sends: the ESP32 and ESP8266 SPI controller
   * shifts out the top `addr_len` bits (esp-idf hal/esp32 spi_flash_ll_set_usr_address stores
   * `addr << (32 - bitlen)`), the SPI_MEM controller of the newer chips the low ones
   * (spimem_flash_ll_set_usr_address stores `addr`).
   */
  readonly spiUserAddress: 'high' | 'low';
  /**
   * eFuse words that hold the security state on a chip whose ROM has no GET_SECURITY_INFO (ESP32:
   * FLASH_CRYPT_CNT in BLK0 word 0 bits 20..26, ABS_DONE_0 in word 6 bit 4; esptool targets/esp32.py).
   */
  readonly securityEfuses?: { readonly cryptCntReg: number; readonly cryptCntShift: number; readonly absDoneReg: number; readonly absDone0: number };
  /** The ROM has a Secure Download Mode (every chip with GET_SECURITY_INFO; not the ESP32 or ESP8266). */
  readonly hasSecureDownloadMode: boolean;
  /**
   * The RTC watchdog (RWDT; LP_WDT on the C6): writing its CONFIG0 with the enable bit (31) while the
   * write-protect register holds the key starts it, and it resets the chip into its firmware (esptool
   * targets' watchdog_reset / rtc_wdt_reset: RTC_CNTL_WDTCONFIG0_REG, RTC_CNTL_WDTWPROTECT_REG,
   * RTC_CNTL_WDT_WKEY). Absent where esptool has no watchdog reset (ESP32, ESP8266).
   */
  readonly rtcWatchdog?: { readonly config0Reg: number; readonly protectReg: number; readonly key: number };
  /**
   * The ROM variable that names the console the download mode talks on (UARTDEV_BUF_NO in ROM .bss) and
   * its value for each of the chip's own USB consoles (esptool targets' uses_usb_otg / uses_usb_jtag_serial).
   * Absent on chips without USB (ESP32, ESP8266).
   */
  readonly usbConsole?: { readonly reg: number; readonly values: Readonly<Partial<Record<'usb-otg' | 'usb-serial-jtag', number>>> };
}

const RWDT_KEY = 0x50d83aa1;

const SYNC_REPLY_VALUE = 0x20120707;

const ESP32_ROM: RomLoaderFacts = {
  statusBytes: 4,
  flashBeginWords: 4,
  spiAttachWords: 2,
  deflate: true,
  md5: true,
  changeBaud: true,
  securityInfo: false,
  eraseSizeBug: false,
  syncLeavesReplyValue: false,
  readFlashSlow: true,
  flashAttachedBy: 'spi-attach',
};

const NEWER_ROM: RomLoaderFacts = { ...ESP32_ROM, flashBeginWords: 5, securityInfo: true, syncLeavesReplyValue: true };

const ESP8266_ROM: RomLoaderFacts = {
  statusBytes: 2,
  flashBeginWords: 4,
  spiAttachWords: 0,
  deflate: false,
  md5: false,
  changeBaud: false,
  securityInfo: false,
  eraseSizeBug: true,
  syncLeavesReplyValue: false,
  readFlashSlow: false,
  flashAttachedBy: 'flash-begin',
};

const common = {
  syncReplyValue: SYNC_REPLY_VALUE,
  syncReplies: 8,
  romChangeBaudUpdatesRecord: false,
  spiUserAddress: 'low',
} as const;

export const BOARD_CHIPS: Readonly<Record<ChipId, BoardChip>> = {
  esp8266: {
    ...common,
    id: 'esp8266',
    spiUserAddress: 'high',
    hasSecureDownloadMode: false,
    rom: ESP8266_ROM,
    magic: 0xfff0c101,
    // SPI_USER after the ROM attached the flash (traces/esp8266-rom-flash-id).
    romRegisters: { 0x6000021c: 0x00000004 },
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 2,
    romUartClockMHz: 52,
    securityInfoHasChipId: false,
    securityChipId: 0,
    flasherStubResetsUartToRomBaud: false,
    messages: ROM_MESSAGES.esp8266,
    bootOffset: 0x0,
    bootHeaderBytes: 8,
  },
  esp32: {
    ...common,
    id: 'esp32',
    spiUserAddress: 'high',
    hasSecureDownloadMode: false,
    securityEfuses: { cryptCntReg: 0x3ff5a000, cryptCntShift: 20, absDoneReg: 0x3ff5a018, absDone0: 1 << 4 },
    rom: ESP32_ROM,
    magic: 0x00f01d83,
    // APB_CTL_DATE (esptool reads bit 31 for the revision-3 check) and a strap register, as the ROM trace shows them.
    romRegisters: { 0x3ff6607c: 0x96042000, 0x3ff44038: 0x0000000f },
    uartClkdivReg: 0x3ff40014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 0,
    romBaudRecordReg: 0x3ffe019c,
    flasherStubResetsUartToRomBaud: true,
    stubUartClockMHz: 80,
    // CK8M_FREQ 51 (0x33) as esp-idf's ESP32 eFuse summary shows it (docs/en/api-reference/system/inc/
    // espefuse_summary_ESP32.rst: "CLK8M_FREQ (BLOCK0) 8MHz clock freq override = 51 R/W (0x33)").
    romUartXtal: { calibration: { caliReg: 0x3ff5f06c, caliShift: 7, caliMask: 0x1ffffff, ck8mReg: 0x3ff5a010, ck8m: 0x33 } },
    stubCpuMHz: 160,
    messages: ROM_MESSAGES.esp32,
    bootOffset: 0x1000,
    bootHeaderBytes: 24,
  },
  esp32s2: {
    ...common,
    id: 'esp32s2',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x000007c6,
    romRegisters: {},
    uartClkdivReg: 0x3f400014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: false,
    securityChipId: 2,
    flasherStubResetsUartToRomBaud: true,
    stubUartClockMHz: 80,
    messages: ROM_MESSAGES.esp32s2,
    bootOffset: 0x1000,
    bootHeaderBytes: 24,
    rtcWatchdog: { config0Reg: 0x3f408094, protectReg: 0x3f4080ac, key: RWDT_KEY },
    usbConsole: { reg: 0x3ffffd14, values: { 'usb-otg': 2 } },
  },
  esp32s3: {
    ...common,
    id: 'esp32s3',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x00000009,
    romRegisters: {},
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 9,
    flasherStubResetsUartToRomBaud: false,
    messages: ROM_MESSAGES.esp32s3,
    bootOffset: 0x0,
    bootHeaderBytes: 24,
    rtcWatchdog: { config0Reg: 0x60008098, protectReg: 0x600080b0, key: RWDT_KEY },
    usbConsole: { reg: 0x3fcef14c, values: { 'usb-otg': 3, 'usb-serial-jtag': 4 } },
  },
  esp32c3: {
    ...common,
    id: 'esp32c3',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x6921506f,
    // SPI_USER after the ROM attached the flash (traces/esp32c3-rom-chip-id).
    romRegisters: { 0x60002018: 0x000000c0 },
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 5,
    flasherStubResetsUartToRomBaud: false,
    messages: ROM_MESSAGES.esp32c3,
    bootOffset: 0x0,
    bootHeaderBytes: 24,
    rtcWatchdog: { config0Reg: 0x60008090, protectReg: 0x600080a8, key: RWDT_KEY },
    usbConsole: { reg: 0x3fcdf07c, values: { 'usb-serial-jtag': 3 } },
  },
  esp32c6: {
    ...common,
    id: 'esp32c6',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x2ce0806f,
    romRegisters: {},
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 13,
    flasherStubResetsUartToRomBaud: false,
    messages: ROM_MESSAGES.esp32c6,
    bootOffset: 0x0,
    bootHeaderBytes: 24,
    rtcWatchdog: { config0Reg: 0x600b1c00, protectReg: 0x600b1c18, key: RWDT_KEY },
    usbConsole: { reg: 0x4087f580, values: { 'usb-serial-jtag': 3 } },
  },
  esp32c2: {
    ...common,
    id: 'esp32c2',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x6f51306f,
    romRegisters: {},
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 12,
    flasherStubResetsUartToRomBaud: false,
    romUartXtal: { assumedMHz: 40 },
    messages: ROM_MESSAGES.esp32c2,
    bootOffset: 0x0,
    bootHeaderBytes: 24,
  },
  esp32c5: {
    ...common,
    id: 'esp32c5',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0x1101406f,
    // PCR_SYSCLK_CONF: the ROM's idea of the crystal (48 MHz) in bits 24..30.
    romRegisters: { 0x60096110: 48 << 24 },
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 48,
    securityInfoHasChipId: true,
    securityChipId: 23,
    flasherStubResetsUartToRomBaud: false,
    romUartXtal: { reg: 0x60096110, shift: 24, mask: 0x7f },
    messages: ROM_MESSAGES.esp32c5,
    // esp-idf CONFIG_BOOTLOADER_OFFSET_IN_FLASH for the C5 and P4.
    bootOffset: 0x2000,
    bootHeaderBytes: 24,
  },
  esp32h2: {
    ...common,
    id: 'esp32h2',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    magic: 0xd7b73e80,
    romRegisters: {},
    uartClkdivReg: 0x60000014,
    uartClockPerXtal: 1,
    romUartClockMHz: 32,
    securityInfoHasChipId: true,
    securityChipId: 16,
    flasherStubResetsUartToRomBaud: false,
    messages: ROM_MESSAGES.esp32h2,
    bootOffset: 0x0,
    bootHeaderBytes: 24,
  },
  esp32p4: {
    ...common,
    id: 'esp32p4',
    hasSecureDownloadMode: true,
    rom: NEWER_ROM,
    // 0x40001000 is flash-mapped on the P4; esptool-js lists what reads come back there.
    magic: 0x0addbad0,
    romRegisters: {},
    uartClkdivReg: 0x500ca014,
    uartClockPerXtal: 1,
    romUartClockMHz: 40,
    securityInfoHasChipId: true,
    securityChipId: 18,
    flasherStubResetsUartToRomBaud: true,
    stubUartClockMHz: 80,
    messages: ROM_MESSAGES.esp32p4,
    bootOffset: 0x2000,
    bootHeaderBytes: 24,
  },
};

/** A UART divides its source clock by at least 16 (see romUartClockMHz). */
export function uartCeiling(clockMHz: number): number {
  return (clockMHz * 1_000_000) / 16;
}

export function boardChip(id: ChipId): BoardChip {
  return BOARD_CHIPS[id];
}
