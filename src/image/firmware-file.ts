/**
 * A file the user wants to flash, as a whole: which chip, which layout (merged .bin, .app-bin, ESP8266
 * .bin, bare bootloader), where it goes, what MicroPython it holds. Non-images are named, so the user
 * learns they saved the web page or picked the .elf.
 */
import { CHIPS, chipByImageId, type ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { APP_DESC_MAGIC, parseAppDescription, parseBootloaderDescription, type AppDescription, type BootloaderDescription } from './app-desc.js';
import { findMicroPythonBanner } from './banner.js';
import { latin1String, readU16, readU32 } from '../platform/bytes.js';
import { hex } from './bytes.js';
import { IMAGE_HEADER_LEN, SEGMENT_HEADER_LEN, headerLength, parseEspImage, segmentData, type EspImage } from './esp-image.js';
import { parseEsp8266Trailer, type Esp8266Trailer } from './esp8266-layout.js';
import {
  PARTITION_TABLE_OFFSET,
  PARTITION_TYPE_APP,
  looksLikePartitionTable,
  parsePartitionTable,
  partitionsEnd,
  type Partition,
} from './partition-table.js';
import { sniffFile, type FileKind } from './sniff.js';

export interface FirmwareFile {
  bytes: Uint8Array;
  /** merged: bootloader + partition table + app, written at the bootloader offset; app: .app-bin at 0x10000. */
  kind: 'merged' | 'app' | 'esp8266' | 'bootloader-only';
  /** From the extended header chip id; undefined for ESP8266 images (= esp8266). */
  chip?: ChipSpec;
  /** The image at the start of the file (for an .app-bin that is the application itself). */
  bootloader: EspImage;
  partitions?: Partition[];
  app?: EspImage & { offsetInFile: number };
  micropython?: { version: string; buildDate: string; boardName: string; mcuName: string };
  suggestedOffset: number;
  /** End of the last partition or of the image, in flash. */
  minFlashBytes: number;
  fileName?: string;
  /** MicroPython's ESP8266 layout after the ROM image (irom0 text at 0x9000, MD5). */
  esp8266?: Esp8266Trailer;
  appDescription?: AppDescription;
  bootloaderDescription?: BootloaderDescription;
}

/** First byte of ESP8266 "v2" OTA application images (esptool bin_image.py IMAGE_V2_MAGIC). */
const ESP8266_V2_MAGIC = 0xea;

/**
 * Chip ids an ESP32-family image header can carry (PROTOCOL-NOTES "Image chip ids"), named for
 * messages even when upyflash has no data for the chip.
 */
const IMAGE_CHIP_NAMES: Readonly<Record<number, string>> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
  28: 'ESP32-H4',
  32: 'ESP32-S31',
};

export function imageChipName(chipId: number): string {
  return chipByImageId(chipId)?.name ?? IMAGE_CHIP_NAMES[chipId] ?? `unknown chip (image chip id ${chipId})`;
}

/** The chip a firmware file is for; ESP8266 images carry no chip id. */
export function firmwareChip(fw: FirmwareFile): ChipSpec {
  if (fw.chip) return fw.chip;
  const esp8266 = CHIPS.find((c) => c.imageFormat === 'esp8266');
  if (!esp8266) throw new UpyflashError('INTERNAL', 'No ESP8266-format chip in the chip data.');
  return esp8266;
}

function named(fileName: string | undefined): string {
  return fileName ? `"${fileName}"` : 'The file';
}

function rejectNonImage(kind: FileKind, bytes: Uint8Array, fileName?: string): never {
  const it = named(fileName);
  const useBin = 'Download the .bin for your board from https://micropython.org/download/, or run `upyflash flash` without a file and let it fetch one.';
  switch (kind) {
    case 'html':
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is a web page, not firmware — you probably saved the download page instead of the .bin link.`, {
        hint: 'On the board page, right-click the .bin link and save the link target, or let upyflash download it: `upyflash flash` with no file.',
        details: { fileKind: kind },
      });
    case 'elf':
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is an ELF file (the build output for debuggers): use the .bin, not the .elf.`, {
        hint: useBin,
        details: { fileKind: kind },
      });
    case 'intel-hex':
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is an Intel HEX file; upyflash writes raw .bin images.`, {
        hint: useBin,
        details: { fileKind: kind },
      });
    case 'uf2':
      throw new UpyflashError(
        'NOT_AN_IMAGE',
        `${it} is a UF2 file: it is for the UF2 bootloader (copy it onto the board's USB drive), not for serial flashing.`,
        { hint: 'For serial flashing use the .bin of the same board and version.', details: { fileKind: kind } },
      );
    case 'zip':
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is a zip archive, not a firmware image.`, {
        hint: 'Unpack it and flash the .bin inside.',
        details: { fileKind: kind },
      });
    case 'gzip':
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is gzip-compressed, not a firmware image.`, {
        hint: 'Decompress it first (gunzip) and flash the .bin it contains.',
        details: { fileKind: kind },
      });
    case 'empty':
      throw new UpyflashError('TRUNCATED_IMAGE', `${it} is empty (0 bytes): the download failed.`, {
        details: { fileKind: kind, actualBytes: 0 },
      });
    case 'text': {
      const firstLine = latin1String(bytes, 0, Math.min(bytes.length, 200)).split(/\r?\n/)[0]!.trim().slice(0, 60);
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is a text file (it starts with "${firstLine}"), not firmware.`, {
        hint: useBin,
        details: { fileKind: kind },
      });
    }
    default: {
      if (bytes[0] === ESP8266_V2_MAGIC) {
        throw new UpyflashError(
          'NOT_AN_IMAGE',
          `${it} is an ESP8266 "v2" application image (magic 0xea) for Espressif's SDK bootloader or rboot, not a MicroPython .bin.`,
          { hint: useBin, details: { fileKind: kind } },
        );
      }
      const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new UpyflashError('NOT_AN_IMAGE', `${it} is not an ESP firmware image: it starts with ${head}; an ESP image starts with e9.`, {
        details: { fileKind: kind },
      });
    }
  }
}

function plausibleEsp32Header(bytes: Uint8Array): boolean {
  if (bytes.length < headerLength('esp32')) return false;
  const hashFlag = bytes[IMAGE_HEADER_LEN + 15]!;
  return hashFlag <= 1 && IMAGE_CHIP_NAMES[readU16(bytes, IMAGE_HEADER_LEN + 4)] !== undefined;
}

/**
 * Both formats start with 0xE9; only the ESP32 family has the extended header. An ESP8266 image read
 * as ESP32 puts its first segment header where the extended header would be, so the deciding test is
 * which reading yields a consistent image with a matching checksum.
 */
function parseEitherFormat(bytes: Uint8Array): EspImage {
  const tries: { image?: EspImage; error?: unknown }[] = [];
  for (const format of plausibleEsp32Header(bytes) ? (['esp32', 'esp8266'] as const) : (['esp8266'] as const)) {
    try {
      const image = parseEspImage(bytes, format);
      if (image.checksum.valid) return image;
      tries.push({ image });
    } catch (error) {
      tries.push({ error });
    }
  }
  const parsed = tries.find((t) => t.image)?.image;
  if (parsed) return parsed;
  throw tries[0]!.error;
}

function appDescriptionOf(imageBytes: Uint8Array, image: EspImage): AppDescription | undefined {
  const first = image.segments[0];
  return first ? parseAppDescription(segmentData(imageBytes, first)) : undefined;
}

function bootloaderDescriptionOf(imageBytes: Uint8Array, image: EspImage): BootloaderDescription | undefined {
  const first = image.segments[0];
  return first ? parseBootloaderDescription(segmentData(imageBytes, first)) : undefined;
}

function isAppImage(imageBytes: Uint8Array, image: EspImage): boolean {
  const first = image.segments[0];
  return first !== undefined && first.length >= 4 && readU32(imageBytes, first.offset) === APP_DESC_MAGIC;
}

export function analyzeFirmware(bytes: Uint8Array, fileName?: string): FirmwareFile {
  const kind = sniffFile(bytes);
  if (kind !== 'esp-image') rejectNonImage(kind, bytes, fileName);

  const first = parseEitherFormat(bytes);
  const base = fileName === undefined ? {} : { fileName };

  if (first.format === 'esp8266') {
    const trailer = parseEsp8266Trailer(bytes, first.length);
    const banner = findMicroPythonBanner(bytes);
    const fw: FirmwareFile = {
      ...base,
      bytes,
      kind: 'esp8266',
      bootloader: first,
      suggestedOffset: 0,
      minFlashBytes: trailer ? trailer.totalLength : first.length,
    };
    if (trailer) fw.esp8266 = trailer;
    if (banner) fw.micropython = banner;
    return fw;
  }

  const chipId = first.extended!.chipId;
  const chip = chipByImageId(chipId);
  if (!chip) {
    throw new UpyflashError('WRONG_CHIP', `${named(fileName)} is firmware for the ${imageChipName(chipId)}, a chip upyflash does not support.`, {
      details: { imageChipId: chipId },
    });
  }

  const ptInFile = PARTITION_TABLE_OFFSET - chip.bootloaderOffset;
  if (bytes.length > ptInFile && looksLikePartitionTable(bytes.subarray(ptInFile))) {
    const partitions = parsePartitionTable(bytes.subarray(ptInFile, ptInFile + 0x1000));
    const apps = partitions.filter((p) => p.type === PARTITION_TYPE_APP).sort((a, b) => a.subtype - b.subtype || a.offset - b.offset);
    const fw: FirmwareFile = {
      ...base,
      bytes,
      kind: 'merged',
      chip,
      bootloader: first,
      partitions,
      suggestedOffset: chip.bootloaderOffset,
      minFlashBytes: Math.max(partitionsEnd(partitions), chip.bootloaderOffset + bytes.length),
    };
    const bootDesc = bootloaderDescriptionOf(bytes, first);
    if (bootDesc) fw.bootloaderDescription = bootDesc;
    const appPart = apps[0];
    if (appPart) {
      const appInFile = appPart.offset - chip.bootloaderOffset;
      if (bytes.length <= appInFile) {
        throw new UpyflashError(
          'TRUNCATED_IMAGE',
          `${named(fileName)} is truncated: its partition table puts the application at ${hex(appPart.offset)}, but the file ends at ${hex(chip.bootloaderOffset + bytes.length)}; expected more than ${appInFile} bytes, got ${bytes.length}.`,
          { details: { expectedBytes: appInFile + SEGMENT_HEADER_LEN, actualBytes: bytes.length, exact: false } },
        );
      }
      const appBytes = bytes.subarray(appInFile);
      const app = parseEspImage(appBytes, 'esp32');
      fw.app = { ...app, offsetInFile: appInFile };
      const desc = appDescriptionOf(appBytes, app);
      if (desc) fw.appDescription = desc;
      const banner = findMicroPythonBanner(appBytes.subarray(0, app.length));
      if (banner) fw.micropython = banner;
    }
    return fw;
  }

  if (isAppImage(bytes, first)) {
    const fw: FirmwareFile = {
      ...base,
      bytes,
      kind: 'app',
      chip,
      bootloader: first,
      app: { ...first, offsetInFile: 0 },
      suggestedOffset: chip.appOffset,
      minFlashBytes: chip.appOffset + first.length,
    };
    const desc = appDescriptionOf(bytes, first);
    if (desc) fw.appDescription = desc;
    const banner = findMicroPythonBanner(bytes.subarray(0, first.length));
    if (banner) fw.micropython = banner;
    return fw;
  }

  const fw: FirmwareFile = {
    ...base,
    bytes,
    kind: 'bootloader-only',
    chip,
    bootloader: first,
    suggestedOffset: chip.bootloaderOffset,
    minFlashBytes: chip.bootloaderOffset + first.length,
  };
  const bootDesc = bootloaderDescriptionOf(bytes, first);
  if (bootDesc) fw.bootloaderDescription = bootDesc;
  return fw;
}
