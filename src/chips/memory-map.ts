/**
 * Address ranges of each chip's memories, as esptool's targets/<chip>.py MEMORY_MAP lists them (used to
 * name an image segment's memory, e.g. DROM for flash-mapped read-only data). A segment address can
 * fall in more than one range; all names apply.
 */
import type { ChipId } from './types.js';

export interface MemoryRegion {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly name: string;
}

function r(start: number, end: number, name: string): MemoryRegion {
  return { start, end, name };
}

const ESP32C6_MAP: readonly MemoryRegion[] = [
  r(0x00000000, 0x00010000, 'PADDING'),
  r(0x42800000, 0x43000000, 'DROM'),
  r(0x40800000, 0x40880000, 'DRAM'),
  r(0x40800000, 0x40880000, 'BYTE_ACCESSIBLE'),
  r(0x4004ac00, 0x40050000, 'DROM_MASK'),
  r(0x40000000, 0x4004ac00, 'IROM_MASK'),
  r(0x42000000, 0x42800000, 'IROM'),
  r(0x40800000, 0x40880000, 'IRAM'),
  r(0x50000000, 0x50004000, 'RTC_IRAM'),
  r(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
];

export const MEMORY_MAPS: Readonly<Record<ChipId, readonly MemoryRegion[]>> = {
  esp8266: [r(0x3ff00000, 0x3ff00010, 'DPORT'), r(0x3ffe8000, 0x40000000, 'DRAM'), r(0x40100000, 0x40108000, 'IRAM'), r(0x40201010, 0x402e1010, 'IROM')],
  esp32: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x3f400000, 0x3f800000, 'DROM'),
    r(0x3f800000, 0x3fc00000, 'EXTRAM_DATA'),
    r(0x3ff80000, 0x3ff82000, 'RTC_DRAM'),
    r(0x3ff90000, 0x40000000, 'BYTE_ACCESSIBLE'),
    r(0x3ffae000, 0x40000000, 'DRAM'),
    r(0x3ffe0000, 0x3ffffffc, 'DIRAM_DRAM'),
    r(0x40000000, 0x40070000, 'IROM'),
    r(0x40070000, 0x40078000, 'CACHE_PRO'),
    r(0x40078000, 0x40080000, 'CACHE_APP'),
    r(0x40080000, 0x400a0000, 'IRAM'),
    r(0x400a0000, 0x400bfffc, 'DIRAM_IRAM'),
    r(0x400c0000, 0x400c2000, 'RTC_IRAM'),
    r(0x400d0000, 0x40400000, 'IROM'),
    r(0x50000000, 0x50002000, 'RTC_DATA'),
  ],
  esp32s2: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x3f000000, 0x3ff80000, 'DROM'),
    r(0x3f500000, 0x3ff80000, 'EXTRAM_DATA'),
    r(0x3ff9e000, 0x3ffa0000, 'RTC_DRAM'),
    r(0x3ff9e000, 0x40000000, 'BYTE_ACCESSIBLE'),
    r(0x3ffb0000, 0x40000000, 'DRAM'),
    r(0x40000000, 0x4001a100, 'IROM_MASK'),
    r(0x40020000, 0x40070000, 'IRAM'),
    r(0x40070000, 0x40072000, 'RTC_IRAM'),
    r(0x40080000, 0x40800000, 'IROM'),
    r(0x50000000, 0x50002000, 'RTC_DATA'),
  ],
  esp32s3: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x3c000000, 0x3d000000, 'DROM'),
    r(0x3d000000, 0x3e000000, 'EXTRAM_DATA'),
    r(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
    r(0x3fc88000, 0x3fd00000, 'DRAM'),
    r(0x40000000, 0x4001a100, 'IROM_MASK'),
    r(0x40370000, 0x403e0000, 'IRAM'),
    r(0x42000000, 0x42800000, 'IROM'),
    r(0x50000000, 0x50002000, 'RTC_DATA'),
    r(0x600fe000, 0x60100000, 'RTC_IRAM'),
  ],
  esp32c3: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x3c000000, 0x3c800000, 'DROM'),
    r(0x3fc80000, 0x3fce0000, 'DRAM'),
    r(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
    r(0x3ff00000, 0x3ff20000, 'DROM_MASK'),
    r(0x40000000, 0x40060000, 'IROM_MASK'),
    r(0x42000000, 0x42800000, 'IROM'),
    r(0x4037c000, 0x403e0000, 'IRAM'),
    r(0x50000000, 0x50002000, 'RTC_IRAM'),
    r(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
  ],
  esp32c6: ESP32C6_MAP,
  esp32c2: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x3c000000, 0x3c400000, 'DROM'),
    r(0x3fca0000, 0x3fce0000, 'DRAM'),
    r(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
    r(0x3ff00000, 0x3ff50000, 'DROM_MASK'),
    r(0x40000000, 0x40090000, 'IROM_MASK'),
    r(0x42000000, 0x42400000, 'IROM'),
    r(0x4037c000, 0x403c0000, 'IRAM'),
  ],
  esp32c5: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x42000000, 0x44000000, 'DROM'),
    r(0x40800000, 0x40860000, 'DRAM'),
    r(0x40800000, 0x40860000, 'BYTE_ACCESSIBLE'),
    r(0x4003a000, 0x40040000, 'DROM_MASK'),
    r(0x40000000, 0x4003a000, 'IROM_MASK'),
    r(0x42000000, 0x44000000, 'IROM'),
    r(0x40800000, 0x40860000, 'IRAM'),
    r(0x50000000, 0x50004000, 'RTC_IRAM'),
    r(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
  ],
  // esptool's targets/esp32h2.py inherits the ESP32-C6 map.
  esp32h2: ESP32C6_MAP,
  esp32p4: [
    r(0x00000000, 0x00010000, 'PADDING'),
    r(0x40000000, 0x4c000000, 'DROM'),
    r(0x4ff00000, 0x4ffa0000, 'DRAM'),
    r(0x4ff00000, 0x4ffa0000, 'BYTE_ACCESSIBLE'),
    r(0x4fc00000, 0x4fc20000, 'DROM_MASK'),
    r(0x4fc00000, 0x4fc20000, 'IROM_MASK'),
    r(0x40000000, 0x4c000000, 'IROM'),
    r(0x4ff00000, 0x4ffa0000, 'IRAM'),
    r(0x50108000, 0x50110000, 'RTC_IRAM'),
    r(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
  ],
};

/** Names of the memories an address falls in (empty when none). */
export function memoryTypes(chip: ChipId, address: number): string[] {
  return MEMORY_MAPS[chip].filter((m) => address >= m.start && address < m.end).map((m) => m.name);
}
