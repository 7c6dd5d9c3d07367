/**
 * Images the project builds itself (demo without a board, tests, bench), accepted by our parser, by
 * esptool's rules and by the ROM:
 * - ESP32 family: a merged MicroPython-like .bin: bootloader image at file offset 0 (flashed at the
 *   chip's bootloader offset), partition table at flash 0x8000 (nvs, phy_init, factory at 0x10000; no
 *   vfs partition, as from v1.26 the firmware makes its filesystem at first boot), application image
 *   at flash 0x10000 with an esp_app_desc_t and the banner strings in its DROM segment.
 * - ESP8266: MicroPython's bootloader-less layout (see esp8266-layout.ts), banner strings in irom0.
 * Content is deterministic for a seed and mixes random runs with repeated patterns so that zlib
 * compresses the whole file to about `compressibility` of its size, as real firmware does (~0.6-0.7).
 */
import { CHIPS, type ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { sha256 } from '../platform/hash.js';
import { encodeAppDescription, encodeBootloaderDescription } from './app-desc.js';
import { bannerMachineString, bannerVersionString } from './banner.js';
import { SEGMENT_HEADER_LEN, SHA256_LEN, headerLength } from './esp-image.js';
import { buildEspImage, type SegmentSpec } from './esp-image-writer.js';
import { ESP8266_IROM_OFFSET, buildEsp8266Layout } from './esp8266-layout.js';
import { FLASH_MODES } from './flash-size.js';
import {
  PARTITION_TABLE_OFFSET,
  PARTITION_TYPE_APP,
  PARTITION_TYPE_DATA,
  encodePartitionTable,
  type PartitionSpec,
} from './partition-table.js';
import { concatBytes, latin1Bytes } from '../platform/bytes.js';
import { Prng } from '../platform/prng.js';
import { SAMPLE_LAYOUTS, type SampleLayout } from './sample-layouts.js';

export interface SampleFirmwareOptions {
  chip: ChipSpec;
  /** '1.27.0' */
  version?: string;
  /** '2025-12-09' */
  buildDate?: string;
  boardName?: string;
  /** Target total file size in bytes. */
  appBytes?: number;
  /** Compressed/original size after zlib, 0.05..1. */
  compressibility?: number;
  seed?: number;
}

const DEFAULT_VERSION = '1.27.0';
const DEFAULT_BUILD_DATE = '2025-12-09';
const DEFAULT_COMPRESSIBILITY = 0.66;
const DEFAULT_SEED = 1;
/** Sizes of recent published MicroPython .bin files (ESP32_GENERIC ~1.7 MB, ESP8266_GENERIC ~0.6 MB). */
const DEFAULT_BYTES: Readonly<Record<'esp32' | 'esp8266', number>> = { esp32: 1_700_000, esp8266: 620_000 };
/** ESP-IDF maps flash in 64 KiB MMU pages; flash-mapped segment data must sit at vaddr mod 64 KiB. */
const MMU_PAGE = 0x10000;
/** nvs and phy_init as in MicroPython's partitions-4MiBplus.csv; factory at least its 0x210000. */
const NVS = { offset: 0x9000, size: 0x6000 };
const PHY_INIT = { offset: 0xf000, size: 0x1000 };
const FACTORY_MIN_SIZE = 0x210000;
/**
 * Measured zlib cost of one byte of the repeated-pattern runs (the random runs cost ~1 byte per byte);
 * used to pick the random share that yields the requested ratio.
 */
const PATTERN_COST = 0.012;
/** DRAM, IRAM, IRAM segment sizes of the sample bootloader (~27 KB like an ESP-IDF 5 bootloader). */
const BOOTLOADER_SEGMENT_BYTES = [0x2400, 0x3800, 0x0f00] as const;
/** Where the bootloader starts at 0x2000 (ESP32-C5, P4) only 24 KiB remain before the partition table. */
const SMALL_BOOTLOADER_SEGMENT_BYTES = [0x1800, 0x3000, 0x0c00] as const;

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function align4(n: number): number {
  return n - (n % 4);
}

/**
 * Fills `out` with alternating random runs and runs of a short repeated pattern; `randomShare` of the
 * bytes end up random. Runs are 0.5-4 KiB, well inside zlib's 32 KiB window, so the ratio holds
 * at any file size.
 */
function fillContent(out: Uint8Array, prng: Prng, randomShare: number): void {
  const share = Math.min(1, Math.max(0, randomShare));
  let pos = 0;
  let carry = 0;
  while (pos < out.length) {
    const patternLen = share >= 1 ? 0 : prng.int(512, 4096);
    carry += share >= 1 ? out.length : (patternLen * share) / (1 - share);
    const randomLen = Math.min(out.length - pos, Math.floor(carry));
    carry -= randomLen;
    prng.fill(out.subarray(pos, pos + randomLen));
    pos += randomLen;
    const end = Math.min(out.length, pos + patternLen);
    const pattern = prng.bytes(prng.int(8, 24));
    for (let i = 0; pos < end; i++, pos++) out[pos] = pattern[i % pattern.length]!;
  }
}

/** Segment data of `length` bytes: content, with `head` placed at its start. */
function segment(length: number, prng: Prng, share: number, head?: Uint8Array): Uint8Array {
  const data = new Uint8Array(length);
  fillContent(data, prng, share);
  if (head) data.set(head.subarray(0, length), 0);
  return data;
}

function cString(s: string): Uint8Array {
  const b = latin1Bytes(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** The banner strings as MicroPython's rodata holds them: NUL-terminated, 4-byte aligned. */
function bannerBlock(version: string, buildDate: string, boardName: string, mcuName: string): Uint8Array {
  const parts = [cString(bannerVersionString(version, buildDate)), cString(bannerMachineString(boardName, mcuName))];
  const out = new Uint8Array(parts.reduce((n, p) => n + roundUp(p.length, 4), 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += roundUp(p.length, 4);
  }
  return out;
}

function flashCodes(chip: ChipSpec, layout: SampleLayout): { flashMode: number; flashSizeCode: number; flashFreqCode: number } {
  const size = chip.flashSizes[layout.flash.size];
  const freq = chip.flashFrequencies[layout.flash.freq];
  if (size === undefined || freq === undefined) {
    throw new UpyflashError('INTERNAL', `Sample layout for ${chip.name} names a flash setting the chip data lacks.`);
  }
  return { flashMode: FLASH_MODES.indexOf(layout.flash.mode), flashSizeCode: size, flashFreqCode: freq };
}

function monthDay(buildDate: string): string {
  const [y, m, d] = buildDate.split('-').map(Number) as [number, number, number];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // The C __DATE__ format that esp_app_desc_t carries: "Dec  9 2025".
  return `${months[(m - 1) % 12]} ${String(d).padStart(2, ' ')} ${y}`;
}

interface Content {
  prng: Prng;
  share: number;
}

function buildBootloader(chip: ChipSpec, layout: SampleLayout, c: Content, idf: string, buildDate: string): Uint8Array {
  const boot = layout.bootloader!;
  const rev = layout.revisions!;
  const desc = encodeBootloaderDescription({ version: 1, idfVersion: idf, dateTime: `${monthDay(buildDate)} 12:00:00` });
  const sizes = chip.bootloaderOffset > 0x1000 ? SMALL_BOOTLOADER_SEGMENT_BYTES : BOOTLOADER_SEGMENT_BYTES;
  const segments: SegmentSpec[] = [
    { loadAddress: boot.dram, data: segment(sizes[0], c.prng, c.share, desc) },
    { loadAddress: boot.iram[0], data: segment(sizes[1], c.prng, c.share) },
    { loadAddress: boot.iram[1], data: segment(sizes[2], c.prng, c.share) },
  ];
  return buildEspImage({
    format: 'esp32',
    ...flashCodes(chip, layout),
    entry: boot.iram[1] + boot.entryOffset,
    extended: { chipId: chip.imageChipId!, ...rev, hashAppended: true },
    segments,
  });
}

/**
 * Application image of about `targetLength` bytes: DROM (app description, banner, rodata) at the
 * first MMU-aligned slot, a DRAM segment filling up to the next aligned slot, IROM there, IRAM last.
 */
function buildApp(chip: ChipSpec, layout: SampleLayout, c: Content, targetLength: number, head: Uint8Array): Uint8Array {
  const app = layout.app;
  const hdr = headerLength('esp32');
  const dromDataAt = hdr + SEGMENT_HEADER_LEN; // 0x20, matching the vaddr's low bits
  const dromLen = Math.max(roundUp(head.length, 4), align4(Math.floor(targetLength * 0.25)));
  const afterDrom = dromDataAt + dromLen;
  // Leave at least 8 KiB of DRAM data between DROM and the next page-aligned IROM slot.
  const iromDataAt = roundUp(afterDrom + 2 * SEGMENT_HEADER_LEN + 0x2000 - dromDataAt, MMU_PAGE) + dromDataAt;
  const dramLen = iromDataAt - SEGMENT_HEADER_LEN - (afterDrom + SEGMENT_HEADER_LEN);
  const iramLen = Math.max(0x1000, align4(Math.floor(targetLength * 0.05)));
  const tail = SEGMENT_HEADER_LEN + iramLen + 16 + SHA256_LEN;
  const iromLen = Math.max(0x1000, align4(targetLength - iromDataAt - tail));
  const segments: SegmentSpec[] = [
    { loadAddress: app.drom!, data: segment(dromLen, c.prng, c.share, head) },
    { loadAddress: app.dram, data: segment(dramLen, c.prng, c.share) },
    { loadAddress: app.irom!, data: segment(iromLen, c.prng, c.share) },
    { loadAddress: app.iram, data: segment(iramLen, c.prng, c.share) },
  ];
  return buildEspImage({
    format: 'esp32',
    ...flashCodes(chip, layout),
    entry: app.iram + app.entryOffset,
    extended: { chipId: chip.imageChipId!, ...layout.revisions!, hashAppended: true },
    segments,
  });
}

/**
 * Share of the content bytes to make random so that the whole file compresses to `ratio`: padding
 * (0xFF) and headers cost next to nothing after zlib, random bytes one byte each, pattern runs
 * PATTERN_COST each.
 */
function randomShareFor(ratio: number, totalBytes: number, contentBytes: number): number {
  const wanted = (ratio * totalBytes) / contentBytes;
  return (wanted - PATTERN_COST) / (1 - PATTERN_COST);
}

function buildEsp32Family(chip: ChipSpec, o: Required<Omit<SampleFirmwareOptions, 'chip'>>): Uint8Array {
  const layout = SAMPLE_LAYOUTS[chip.id];
  if (!layout.bootloader || !layout.revisions || layout.app.drom === undefined || layout.app.irom === undefined) {
    throw new UpyflashError('INTERNAL', `No ESP32-family sample layout for ${chip.name}.`);
  }
  const appInFile = chip.appOffset - chip.bootloaderOffset;
  const appTarget = Math.max(0x30000, o.appBytes - appInFile);
  const total = appInFile + appTarget;
  // Content = app image + the bootloader's segments; the rest of the file is 0xFF padding.
  const contentBytes = appTarget + BOOTLOADER_SEGMENT_BYTES.reduce((a, b) => a + b, 0);
  const c: Content = { prng: new Prng(o.seed), share: randomShareFor(o.compressibility, total, contentBytes) };
  const idf = 'v5.5.1';

  const bootloader = buildBootloader(chip, layout, c, idf, o.buildDate);
  const banner = bannerBlock(o.version, o.buildDate, o.boardName, chip.mcuName);
  const desc = encodeAppDescription(
    {
      secureVersion: 0,
      version: `v${o.version}`,
      projectName: 'micropython',
      time: '12:00:00',
      date: monthDay(o.buildDate),
      idfVersion: idf,
      minEfuseBlkRevFull: 0,
      maxEfuseBlkRevFull: 199,
      mmuPageSizeLog2: 16,
    },
    sha256(latin1Bytes(`sample-elf:${chip.id}:${o.version}:${o.seed}`)),
  );
  const app = buildApp(chip, layout, c, appTarget, concatBytes([desc, banner]));

  const factorySize = Math.max(FACTORY_MIN_SIZE, roundUp(app.length, MMU_PAGE));
  const parts: PartitionSpec[] = [
    { label: 'nvs', type: PARTITION_TYPE_DATA, subtype: 0x02, ...NVS },
    { label: 'phy_init', type: PARTITION_TYPE_DATA, subtype: 0x01, ...PHY_INIT },
    { label: 'factory', type: PARTITION_TYPE_APP, subtype: 0x00, offset: chip.appOffset, size: factorySize },
  ];
  const table = encodePartitionTable(parts);

  const out = new Uint8Array(appInFile + app.length).fill(0xff);
  if (bootloader.length > PARTITION_TABLE_OFFSET - chip.bootloaderOffset) {
    throw new UpyflashError('INTERNAL', 'Sample bootloader overlaps the partition table.');
  }
  out.set(bootloader, 0);
  out.set(table, PARTITION_TABLE_OFFSET - chip.bootloaderOffset);
  // The rest of the table's 4 KiB sector and the gap up to the app stay 0xFF (erased flash).
  out.set(app, appInFile);
  return out;
}

function buildEsp8266(chip: ChipSpec, o: Required<Omit<SampleFirmwareOptions, 'chip'>>): Uint8Array {
  const layout = SAMPLE_LAYOUTS[chip.id];
  const total = Math.max(ESP8266_IROM_OFFSET + 0x10000, o.appBytes);
  const iromLen = align4(total - ESP8266_IROM_OFFSET - 16);
  const romSegs = [0x6800, 0x300, 0xc00];
  const contentBytes = iromLen + romSegs.reduce((a, b) => a + b, 0);
  const c: Content = { prng: new Prng(o.seed), share: randomShareFor(o.compressibility, total, contentBytes) };
  const rom = buildEspImage({
    format: 'esp8266',
    ...flashCodes(chip, layout),
    entry: layout.app.iram + layout.app.entryOffset,
    segments: [
      { loadAddress: layout.app.iram, data: segment(romSegs[0]!, c.prng, c.share) },
      { loadAddress: layout.app.dram, data: segment(romSegs[1]!, c.prng, c.share) },
      { loadAddress: layout.app.dram + romSegs[1]!, data: segment(romSegs[2]!, c.prng, c.share) },
    ],
  });
  // Banner in irom0 rodata, a little way in (as the linker places it after some code).
  const irom = segment(iromLen, c.prng, c.share);
  irom.set(bannerBlock(o.version, o.buildDate, o.boardName, chip.mcuName), align4(Math.floor(iromLen / 3)));
  return buildEsp8266Layout(rom, irom);
}

export function buildSampleFirmware(opts: SampleFirmwareOptions): Uint8Array {
  const chip = opts.chip;
  if (!CHIPS.includes(chip)) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip ${chip.name}.`);
  const ratio = opts.compressibility ?? DEFAULT_COMPRESSIBILITY;
  if (!(ratio > 0 && ratio <= 1)) throw new UpyflashError('BAD_ARGUMENT', `compressibility must be in (0, 1], got ${ratio}.`);
  if (opts.version !== undefined && !/^[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.+-]+)?$/.test(opts.version)) {
    throw new UpyflashError('BAD_ARGUMENT', `Version "${opts.version}" is not like 1.27.0.`);
  }
  if (opts.buildDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.buildDate)) {
    throw new UpyflashError('BAD_ARGUMENT', `Build date "${opts.buildDate}" is not like 2025-12-09.`);
  }
  const o = {
    version: opts.version ?? DEFAULT_VERSION,
    buildDate: opts.buildDate ?? DEFAULT_BUILD_DATE,
    boardName: opts.boardName ?? chip.micropython.boardName,
    appBytes: opts.appBytes ?? DEFAULT_BYTES[chip.imageFormat],
    compressibility: ratio,
    seed: opts.seed ?? DEFAULT_SEED,
  };
  return chip.imageFormat === 'esp8266' ? buildEsp8266(chip, o) : buildEsp32Family(chip, o);
}

