/**
 * What a MicroPython build for each chip looks like, for the sample images we build ourselves:
 * where ESP-IDF links the bootloader and the application segments, the header flash settings of the
 * published .bin files, and the revision range IDF writes. Addresses lie in each chip's memory map
 * (chips/memory-map.ts); flash-mapped ones end in 0x20 so that they sit right after the image and
 * segment headers in a 64 KiB MMU page, as elf2image places them.
 */
import type { ChipId } from '../chips/index.js';

export interface SampleLayout {
  flash: { mode: 'qio' | 'qout' | 'dio' | 'dout'; size: string; freq: string };
  revisions?: { minRev: number; minRevFull: number; maxRevFull: number };
  bootloader?: { dram: number; iram: readonly [number, number]; entryOffset: number };
  app: { drom?: number; irom?: number; dram: number; iram: number; entryOffset: number };
}

export const SAMPLE_LAYOUTS: Readonly<Record<ChipId, SampleLayout>> = {
  esp8266: {
    flash: { mode: 'qio', size: '1MB', freq: '40m' },
    app: { dram: 0x3ffe8000, iram: 0x40100000, entryOffset: 0x4 },
  },
  esp32: {
    flash: { mode: 'dio', size: '4MB', freq: '40m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 399 },
    bootloader: { dram: 0x3fff0030, iram: [0x40078000, 0x40080400], entryOffset: 0x5f4 },
    app: { drom: 0x3f400020, irom: 0x400d0020, dram: 0x3ffb0000, iram: 0x40080000, entryOffset: 0x1288 },
  },
  esp32s2: {
    flash: { mode: 'dio', size: '4MB', freq: '80m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 99 },
    bootloader: { dram: 0x3ffe6100, iram: [0x4004b000, 0x4004f000], entryOffset: 0x3a4 },
    app: { drom: 0x3f000020, irom: 0x40080020, dram: 0x3ffbe000, iram: 0x40022000, entryOffset: 0x10ac },
  },
  esp32s3: {
    flash: { mode: 'dio', size: '8MB', freq: '80m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 99 },
    bootloader: { dram: 0x3fce2810, iram: [0x403c8700, 0x403cb700], entryOffset: 0x2a0 },
    app: { drom: 0x3c0b0020, irom: 0x42000020, dram: 0x3fc92000, iram: 0x40374000, entryOffset: 0x1d2c },
  },
  esp32c3: {
    flash: { mode: 'dio', size: '4MB', freq: '80m' },
    revisions: { minRev: 3, minRevFull: 3, maxRevFull: 199 },
    bootloader: { dram: 0x3fcd5820, iram: [0x403cc710, 0x403ce710], entryOffset: 0x2a0 },
    app: { drom: 0x3c0a0020, irom: 0x42000020, dram: 0x3fc8e000, iram: 0x40380000, entryOffset: 0x40e },
  },
  esp32c6: {
    flash: { mode: 'dio', size: '4MB', freq: '80m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 99 },
    bootloader: { dram: 0x4086c410, iram: [0x4086e610, 0x40875720], entryOffset: 0x2b4 },
    app: { drom: 0x42800020, irom: 0x42000020, dram: 0x40820000, iram: 0x40800000, entryOffset: 0x3b0 },
  },
  esp32c2: {
    flash: { mode: 'dio', size: '4MB', freq: '60m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 199 },
    bootloader: { dram: 0x3fcd5820, iram: [0x403a6710, 0x403a8710], entryOffset: 0x2a0 },
    app: { drom: 0x3c0a0020, irom: 0x42000020, dram: 0x3fca6000, iram: 0x40380000, entryOffset: 0x40e },
  },
  esp32c5: {
    flash: { mode: 'dio', size: '4MB', freq: '80m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 199 },
    bootloader: { dram: 0x4084e410, iram: [0x40840610, 0x40847720], entryOffset: 0x2b4 },
    app: { drom: 0x42100020, irom: 0x42000020, dram: 0x40820000, iram: 0x40800000, entryOffset: 0x3b0 },
  },
  esp32h2: {
    flash: { mode: 'dio', size: '4MB', freq: '48m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 99 },
    bootloader: { dram: 0x4083c410, iram: [0x4083e610, 0x40845720], entryOffset: 0x2b4 },
    app: { drom: 0x42800020, irom: 0x42000020, dram: 0x40820000, iram: 0x40800000, entryOffset: 0x3b0 },
  },
  esp32p4: {
    flash: { mode: 'dio', size: '16MB', freq: '80m' },
    revisions: { minRev: 0, minRevFull: 0, maxRevFull: 399 },
    bootloader: { dram: 0x4ff33000, iram: [0x4ff2b000, 0x4ff2f000], entryOffset: 0x2b4 },
    app: { drom: 0x40100020, irom: 0x40000020, dram: 0x4ff40000, iram: 0x4ff00000, entryOffset: 0x3b0 },
  },
};
