import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipId, ChipSpec } from './types.js';

/** What one of the ESP32's successors (S2 onwards) does not share with the rest of the family. */
export interface NewerChipFacts {
  readonly mcuName: string;
  readonly magicValues: readonly number[];
  readonly imageChipId: number;
  /** esptool BOOTLOADER_FLASH_OFFSET; most of the family boots from 0x0. */
  readonly bootloaderOffset?: number;
  readonly stubRestoresRomBaud?: boolean;
  readonly stubUartMaxBaud?: number;
  /** Chips whose flash clock comes from another source name the same nibbles differently. */
  readonly flashFrequencies?: Readonly<Record<string, number>>;
  /** Base of the SPI controller; the register offsets are the family's (newerSpi). */
  readonly spiBase: number;
  readonly uartClkdivReg?: number;
  /** The low MAC word; the high word follows it. */
  readonly macReg: number;
  readonly crystalsMHz?: readonly number[];
  readonly romUartXtal?: ChipSpec['romUartXtal'];
  readonly defaultFlashBytes?: number;
  /** The board name MicroPython's banner prints (the board id follows from the chip id). */
  readonly boardName: string;
  readonly watchdogReset?: ChipSpec['watchdogReset'];
  readonly identity?: ChipSpec['identity'];
}

/**
 * One ESP32-family chip newer than the ESP32: the newer ROM dialect, the stub, the ESP32 flash size
 * nibbles, the family's SPI and MAC layouts, and Espressif's naming (esp32c3 -> ESP32-C3, stub
 * esp32c3.json, MicroPython ESP32_GENERIC_C3). Fields come out in ChipSpec's usual order, and optional
 * ones only when the chip has them.
 */
export function newerFamilyChip(id: ChipId, facts: NewerChipFacts): ChipSpec {
  const suffix = id.replace(/^esp32/, '').toUpperCase();
  return {
    id,
    name: `ESP32-${suffix}`,
    mcuName: facts.mcuName,
    imageFormat: 'esp32',
    magicValues: facts.magicValues,
    imageChipId: facts.imageChipId,
    bootloaderOffset: facts.bootloaderOffset ?? 0x0,
    appOffset: 0x10000,
    rom: NEWER_ROM_DIALECT,
    stub: STUB_DIALECT,
    ...(facts.stubRestoresRomBaud === undefined ? {} : { stubRestoresRomBaud: facts.stubRestoresRomBaud }),
    ...(facts.stubUartMaxBaud === undefined ? {} : { stubUartMaxBaud: facts.stubUartMaxBaud }),
    stubFile: `${id}.json`,
    flashSizes: ESP32_FLASH_SIZES,
    flashFrequencies: facts.flashFrequencies ?? ESP32_FLASH_FREQS,
    spi: newerSpi(facts.spiBase),
    uartClkdivReg: facts.uartClkdivReg ?? 0x60000014,
    mac: { layout: 'words', regs: [facts.macReg, facts.macReg + 4] },
    crystalsMHz: facts.crystalsMHz ?? [40],
    ...(facts.romUartXtal === undefined ? {} : { romUartXtal: facts.romUartXtal }),
    defaultFlashBytes: facts.defaultFlashBytes ?? 4 * 1024 * 1024,
    micropython: { board: `ESP32_GENERIC_${suffix}`, boardName: facts.boardName },
    ...(facts.watchdogReset === undefined ? {} : { watchdogReset: facts.watchdogReset }),
    ...(facts.identity === undefined ? {} : { identity: facts.identity }),
  };
}
