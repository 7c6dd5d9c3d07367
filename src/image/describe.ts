/**
 * esptool image-info, for a whole firmware file: structured (for --json and the web page) and as text
 * laid out like esptool's output, with the partition table and MicroPython banner added.
 */
import { memoryTypes } from '../chips/memory-map.js';
import type { ChipSpec } from '../chips/index.js';
import { toHex } from '../platform/hash.js';
import type { AppDescription, BootloaderDescription } from './app-desc.js';
import { formatBytes, hex } from './bytes.js';
import { SEGMENT_HEADER_LEN, WP_PIN_DISABLED, type EspImage } from './esp-image.js';
import type { Esp8266Trailer } from './esp8266-layout.js';
import { analyzeFirmware, firmwareChip, imageChipName, type FirmwareFile } from './firmware-file.js';
import { flashFreqName, flashModeName, flashSizeName } from './flash-size.js';
import { PARTITION_TABLE_OFFSET, PARTITION_TYPE_APP, type Partition } from './partition-table.js';

export interface SegmentInfo {
  index: number;
  length: number;
  loadAddress: number;
  /** Of the segment header, within the file (esptool's "File offs" is within the image). */
  fileOffset: number;
  memoryTypes: string[];
}

export interface EspImageInfo {
  role: 'bootloader' | 'application' | 'firmware';
  format: 'esp32' | 'esp8266';
  fileOffset: number;
  flashOffset: number;
  length: number;
  entry: number;
  flashMode: string;
  flashSize: string;
  flashFreq: string;
  extended?: {
    wpPin: number;
    wpPinDisabled: boolean;
    chipId: number;
    chipName: string;
    minRev: number;
    minRevFull: string;
    maxRevFull: string;
    hashAppended: boolean;
  };
  segments: SegmentInfo[];
  checksum: { stored: number; computed: number; valid: boolean };
  sha256?: { stored: string; computed: string; valid: boolean };
  appDescription?: AppDescription;
  bootloaderDescription?: BootloaderDescription;
  /** The app partition the image sits in (merged files). */
  partition?: string;
  /** The MicroPython banner of this application image (merged files with several app partitions). */
  micropython?: FirmwareFile['micropython'];
}

export interface ImageInfo {
  fileName?: string;
  fileBytes: number;
  kind: FirmwareFile['kind'];
  chip: string;
  suggestedOffset: number;
  minFlashBytes: number;
  micropython?: FirmwareFile['micropython'];
  images: EspImageInfo[];
  partitions?: Partition[];
  esp8266?: Esp8266Trailer;
}

function rev(r: number): string {
  return `v${Math.floor(r / 100)}.${r % 100}`;
}

function imageInfo(
  chip: ChipSpec,
  image: EspImage,
  role: EspImageInfo['role'],
  fileOffset: number,
  flashOffset: number,
): EspImageInfo {
  const info: EspImageInfo = {
    role,
    format: image.format,
    fileOffset,
    flashOffset,
    length: image.length,
    entry: image.entry,
    flashMode: flashModeName(image.flashMode).toUpperCase(),
    flashSize: flashSizeName(chip, image.flashSizeCode) ?? `invalid (${hex(image.flashSizeCode << 4, 2)})`,
    flashFreq: flashFreqName(chip, image.flashFreqCode) ?? `invalid (${hex(image.flashFreqCode, 2)})`,
    segments: image.segments.map((s, index) => ({
      index,
      length: s.length,
      loadAddress: s.loadAddress,
      fileOffset: fileOffset + s.offset - SEGMENT_HEADER_LEN,
      memoryTypes: memoryTypes(chip.id, s.loadAddress),
    })),
    checksum: { ...image.checksum },
  };
  const x = image.extended;
  if (x) {
    info.extended = {
      wpPin: x.wpPin,
      wpPinDisabled: x.wpPin === WP_PIN_DISABLED,
      chipId: x.chipId,
      chipName: imageChipName(x.chipId),
      minRev: x.minRev,
      minRevFull: rev(x.minRevFull),
      maxRevFull: rev(x.maxRevFull),
      hashAppended: x.hashAppended,
    };
  }
  if (image.sha256) {
    info.sha256 = { stored: toHex(image.sha256.stored), computed: toHex(image.sha256.computed), valid: image.sha256.valid };
  }
  return info;
}

export function describeFirmware(fw: FirmwareFile): ImageInfo {
  const chip = firmwareChip(fw);
  const images: EspImageInfo[] = [];
  const firstRole: EspImageInfo['role'] = fw.kind === 'app' ? 'application' : fw.kind === 'esp8266' ? 'firmware' : 'bootloader';
  const first = imageInfo(chip, fw.bootloader, firstRole, 0, fw.suggestedOffset);
  if (fw.kind === 'app' && fw.appDescription) first.appDescription = fw.appDescription;
  if (fw.kind !== 'app' && fw.bootloaderDescription) first.bootloaderDescription = fw.bootloaderDescription;
  images.push(first);
  if (fw.app && fw.app.offsetInFile !== 0) {
    const app = imageInfo(chip, fw.app, 'application', fw.app.offsetInFile, fw.suggestedOffset + fw.app.offsetInFile);
    if (fw.appDescription) app.appDescription = fw.appDescription;
    if (fw.micropython) app.micropython = fw.micropython;
    const label = fw.partitions?.find((p) => p.offset === fw.suggestedOffset + fw.app!.offsetInFile)?.label;
    if (label) app.partition = label;
    images.push(app);
    images.push(...otherApps(fw, chip));
  }
  const info: ImageInfo = {
    fileBytes: fw.bytes.length,
    kind: fw.kind,
    chip: chip.name,
    suggestedOffset: fw.suggestedOffset,
    minFlashBytes: fw.minFlashBytes,
    images,
  };
  if (fw.fileName !== undefined) info.fileName = fw.fileName;
  if (fw.micropython) info.micropython = fw.micropython;
  if (fw.partitions) info.partitions = fw.partitions;
  if (fw.esp8266) info.esp8266 = fw.esp8266;
  return info;
}

/**
 * Apps in the other app partitions a merged file covers (ota_0 next to factory, ota_1 ...), each with
 * its own MicroPython version; a partition still erased (0xFF) in the file is left out.
 */
function otherApps(fw: FirmwareFile, chip: ChipSpec): EspImageInfo[] {
  const out: EspImageInfo[] = [];
  const base = fw.suggestedOffset;
  for (const p of fw.partitions ?? []) {
    const inFile = p.offset - base;
    if (p.type !== PARTITION_TYPE_APP || inFile === fw.app?.offsetInFile || inFile <= 0 || inFile >= fw.bytes.length) continue;
    if (fw.bytes[inFile] !== 0xe9) continue;
    let app: FirmwareFile;
    try {
      app = analyzeFirmware(fw.bytes.subarray(inFile, Math.min(fw.bytes.length, inFile + p.size)));
    } catch {
      continue; // not an image after all: image-info describes, it does not judge the file
    }
    const info = imageInfo(chip, app.bootloader, 'application', inFile, p.offset);
    info.partition = p.label;
    if (app.appDescription) info.appDescription = app.appDescription;
    if (app.micropython) info.micropython = app.micropython;
    out.push(info);
  }
  return out;
}

const KIND_TEXT: Readonly<Record<FirmwareFile['kind'], string>> = {
  merged: 'merged image (bootloader + partition table + application)',
  app: 'application image (.app-bin)',
  esp8266: 'ESP8266 firmware image',
  'bootloader-only': 'bootloader image only',
};

function title(lines: string[], text: string, underline = '='): void {
  lines.push('', text, underline.repeat(text.length));
}

function formatImage(lines: string[], chipName: string, img: EspImageInfo): void {
  const where = `${img.partition ? `partition ${img.partition}, ` : ''}file offset ${hex(img.fileOffset)}, flash ${hex(img.flashOffset)}, ${img.length} bytes`;
  title(lines, `${img.role[0]!.toUpperCase()}${img.role.slice(1)} image (${where})`, '#');
  title(lines, `${chipName.toUpperCase()} Image Header`);
  lines.push(img.entry !== 0 ? `Entry point: ${hex(img.entry, 8)}` : 'Entry point not set');
  lines.push(`Segments: ${img.segments.length}`, `Flash size: ${img.flashSize}`, `Flash freq: ${img.flashFreq}`, `Flash mode: ${img.flashMode}`);
  const x = img.extended;
  if (x) {
    title(lines, `${chipName.toUpperCase()} Extended Image Header`);
    lines.push(
      `WP pin: ${hex(x.wpPin, 2)}${x.wpPinDisabled ? ' (disabled)' : ''}`,
      `Chip ID: ${x.chipId} (${x.chipName})`,
      `Minimal chip revision: ${x.minRevFull}, (legacy min_rev = ${x.minRev})`,
      `Maximal chip revision: ${x.maxRevFull}`,
    );
  }
  title(lines, 'Segments Information');
  lines.push(`${'Segment'.padStart(7)}  ${'Length'.padStart(7)}  ${'Load addr'.padStart(10)}  ${'File offs'.padStart(10)}  Memory types`);
  lines.push(`${'-'.repeat(7)}  ${'-'.repeat(7)}  ${'-'.repeat(10)}  ${'-'.repeat(10)}  ${'-'.repeat(12)}`);
  for (const s of img.segments) {
    lines.push(
      `${String(s.index).padStart(7)}  ${hex(s.length, 5)}  ${hex(s.loadAddress, 8)}  ${hex(s.fileOffset, 8)}  ${s.memoryTypes.join(', ')}`,
    );
  }
  title(lines, `${chipName.toUpperCase()} Image Footer`);
  const cs = img.checksum;
  lines.push(`Checksum: ${hex(cs.stored, 2)} (${cs.valid ? 'valid' : `invalid - calculated ${hex(cs.computed, 2)}`})`);
  if (img.extended) {
    lines.push(img.sha256 ? `Validation hash: ${img.sha256.computed} (${img.sha256.valid ? 'valid' : 'invalid'})` : 'Validation hash: Not appended');
  }
  const a = img.appDescription;
  if (a) {
    title(lines, 'Application Information');
    lines.push(
      `Project name: ${a.projectName}`,
      `App version: ${a.version}`,
      `Compile time: ${a.date} ${a.time}`,
      `ELF file SHA256: ${a.elfSha256}`,
      `ESP-IDF: ${a.idfVersion}`,
      `Secure version: ${a.secureVersion}`,
    );
  }
  if (img.micropython) lines.push(`MicroPython: v${img.micropython.version} on ${img.micropython.buildDate}`);
  const b = img.bootloaderDescription;
  if (b) {
    title(lines, 'Bootloader Information');
    lines.push(`Bootloader version: ${b.version}`, `ESP-IDF: ${b.idfVersion}`, `Compile time: ${b.dateTime}`);
  }
}

export function formatImageInfo(info: ImageInfo): string {
  const lines: string[] = [];
  lines.push(`File: ${info.fileName ?? '(unnamed)'} (${info.fileBytes} bytes)`);
  lines.push(`Kind: ${KIND_TEXT[info.kind]} for ${info.chip}, written at ${hex(info.suggestedOffset)}`);
  if (info.micropython) {
    const m = info.micropython;
    lines.push(`MicroPython: v${m.version} on ${m.buildDate}${m.boardName ? `; ${m.boardName} with ${m.mcuName}` : ''}`);
  } else {
    lines.push('MicroPython: no banner found (not a MicroPython build?)');
  }
  lines.push(`Flash needed: ${hex(info.minFlashBytes)} bytes (${formatBytes(info.minFlashBytes)})`);

  for (const img of info.images) {
    formatImage(lines, info.chip, img);
    if (img.role === 'bootloader' && info.partitions) {
      title(lines, `Partition table (flash ${hex(PARTITION_TABLE_OFFSET)})`, '#');
      lines.push('# Name             Type  SubType       Offset      Size  Flags');
      for (const p of info.partitions) {
        lines.push(
          `  ${p.label.padEnd(16)} ${p.typeName.padEnd(5)} ${p.subtypeName.padEnd(9)} ${hex(p.offset, 8).padStart(10)} ${hex(p.size, 8).padStart(10)}  ${p.flags ? hex(p.flags) : ''}`.trimEnd(),
        );
      }
    }
  }
  if (info.esp8266) {
    const t = info.esp8266;
    title(lines, 'MicroPython ESP8266 layout', '#');
    lines.push(
      `irom0 text: flash ${hex(t.iromOffset)}, ${t.iromLength} bytes`,
      `MD5 (bytes 4..end): ${t.md5.stored} (${t.md5.valid ? 'valid' : `invalid - calculated ${t.md5.computed}`})`,
    );
  }
  return lines.join('\n') + '\n';
}
