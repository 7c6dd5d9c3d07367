/**
 * Checks run BEFORE anything is erased: is this firmware for this chip, at this address, does it fit
 * the detected flash, does it support this chip revision, is it intact. Each refusal says what the
 * user did, what is right, and how to override where overriding makes sense.
 */
import { LEGACY_MIN_REV_PART } from '../chips/image-rules.js';
import { CHIPS, type ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { formatBytes, hex } from './bytes.js';
import { sha256 } from '../platform/hash.js';
import { hashedLength, imageIntact, type EspImage } from './esp-image.js';
import { analyzeFirmware, firmwareChip, type FirmwareFile } from './firmware-file.js';
import { flashFreqName, flashModeName, flashSizeBytes, flashSizeName } from './flash-size.js';
import { PARTITION_TYPE_APP, partitionsEnd } from './partition-table.js';

export interface FlashPlanCheck {
  chip: ChipSpec;
  /** The user's --addr. */
  address?: number;
  forceAddress?: boolean;
  /** Detected flash size. */
  flashBytes?: number;
  /** major*100+minor, as esptool's get_chip_revision. */
  chipRevision?: number;
  /** One of several ADDR FILE parts: a bare bootloader is expected, not worth a warning. */
  partOfSet?: boolean;
}

function downloadUrl(chip: ChipSpec): string {
  return `https://micropython.org/download/${chip.micropython.board}/`;
}

function checkChip(fw: FirmwareFile, board: ChipSpec): void {
  const fwChip = firmwareChip(fw);
  if (fwChip.id === board.id) return;
  throw new UpyflashError(
    'WRONG_CHIP',
    `This firmware is for the ${fwChip.name}, but the board has an ${board.name}.`,
    {
      hint: `Download ${board.micropython.board} (${downloadUrl(board)}), or run \`upyflash flash\` without a file and upyflash picks the firmware for the ${board.name}.`,
      details: { firmwareChip: fwChip.id, boardChip: board.id, board: board.micropython.board },
    },
  );
}

function corrupt(what: string, detail: string): UpyflashError {
  return new UpyflashError('NOT_AN_IMAGE', `The ${what} in this file is corrupted: ${detail}.`, {
    hint: 'The file was damaged in transit or edited: download it again.',
  });
}

/** Flash mode bytes a tool can have written at header byte 2 (qio, qout, dio, dout, fast read, slow read). */
const FLASH_MODE_BYTES = 6;

/**
 * The header bytes 2-3 under which `img`'s stored SHA-256 was computed, when they differ from the
 * file's own: a tool changed the flash parameters and left the digest stale. Undefined = no value of
 * those two bytes explains the digest, so something else in the image changed.
 */
function staleDigestOrigin(bytes: Uint8Array, img: EspImage): { byte2: number; byte3: number } | undefined {
  const stored = img.sha256?.stored;
  if (!stored) return undefined;
  const probe = bytes.slice(0, hashedLength(img));
  for (let byte2 = 0; byte2 < FLASH_MODE_BYTES; byte2++) {
    for (let byte3 = 0; byte3 < 256; byte3++) {
      if (byte2 === bytes[2] && byte3 === bytes[3]) continue;
      probe[2] = byte2;
      probe[3] = byte3;
      const d = sha256(probe);
      if (d.every((x, i) => x === stored[i])) return { byte2, byte3 };
    }
  }
  return undefined;
}

function headerParams(chip: ChipSpec, byte2: number, byte3: number): string {
  const size = flashSizeName(chip, byte3 >> 4) ?? `size code ${byte3 >> 4}`;
  const freq = flashFreqName(chip, byte3 & 0x0f) ?? `freq code ${byte3 & 0x0f}`;
  return `${flashModeName(byte2)} ${size} ${freq}`;
}

/**
 * A bootloader whose digest is stale only because its flash parameters were patched is repaired (the
 * digest recomputed for the header as it is, as esptool does when it patches); any other mismatch is
 * corruption and refused before anything is erased.
 */
function repairBootloaderDigest(fw: FirmwareFile, chip: ChipSpec, warnings: string[]): FirmwareFile {
  const boot = fw.bootloader;
  const origin = staleDigestOrigin(fw.bytes, boot);
  if (!origin) {
    throw new UpyflashError('CORRUPT_IMAGE', "The bootloader image in this file is corrupt: its appended SHA-256 does not match its contents.", {
      details: { stored: toHexString(boot.sha256!.stored), computed: toHexString(boot.sha256!.computed) },
    });
  }
  const fixed = fw.bytes.slice();
  const len = hashedLength(boot);
  fixed.set(sha256(fixed.subarray(0, len)), len);
  warnings.push(
    `The bootloader's SHA-256 was stale: a tool changed its flash parameters (${headerParams(chip, origin.byte2, origin.byte3)} -> ${headerParams(chip, fw.bytes[2]!, fw.bytes[3]!)}) without updating it; upyflash fixed the digest.`,
  );
  return analyzeFirmware(fixed, fw.fileName);
}

function toHexString(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function checkIntegrity(fw: FirmwareFile, chip: ChipSpec, warnings: string[]): FirmwareFile {
  const boot = fw.bootloader;
  const bootRole = fw.kind === 'app' ? 'application image' : fw.kind === 'esp8266' ? 'firmware image' : 'bootloader image';
  if (!boot.checksum.valid) {
    throw corrupt(bootRole, `checksum ${hex(boot.checksum.stored, 2)} stored, ${hex(boot.checksum.computed, 2)} computed`);
  }
  // The second-stage bootloader verifies an app's SHA-256 before running it: no repair for an app.
  if (boot.sha256 && !boot.sha256.valid && fw.kind === 'app') throw corrupt(bootRole, 'its appended SHA-256 does not match');
  if (fw.app && fw.kind === 'merged' && !imageIntact(fw.app)) {
    throw corrupt('application image', fw.app.checksum.valid ? 'its appended SHA-256 does not match' : 'its checksum does not match');
  }
  if (fw.esp8266 && !fw.esp8266.md5.valid) {
    throw corrupt('ESP8266 firmware', `MD5 ${fw.esp8266.md5.stored} stored, ${fw.esp8266.md5.computed} computed`);
  }
  if (boot.sha256 && !boot.sha256.valid) return repairBootloaderDigest(fw, chip, warnings);
  return fw;
}

function chipsAt(offset: number): string[] {
  return CHIPS.filter((c) => c.bootloaderOffset === offset).map((c) => c.name);
}

function addressMistake(fw: FirmwareFile, chip: ChipSpec, address: number, expected: number): string {
  const lead = `${hex(address)} is the wrong address for this file`;
  if (fw.kind === 'app') {
    return `${lead}: an .app-bin holds only the application and goes at ${hex(expected)}, its partition; the bootloader and partition table must already be on the board. To install from scratch, flash the full .bin at ${hex(chip.bootloaderOffset)}.`;
  }
  if (fw.kind === 'merged' && address === chip.appOffset) {
    return `${lead}: ${hex(address)} is where the application alone (an .app-bin) goes, but this .bin also holds the bootloader and partition table; ${chip.name} .bin files go at ${hex(expected)}.`;
  }
  const others = chipsAt(address).filter((n) => n !== chip.name);
  const mixup = others.length > 0 ? `; ${hex(address)} is for ${others.join('/')}` : '';
  return `${lead}: ${chip.name} images go at ${hex(expected)}${mixup}.`;
}

function checkSize(fw: FirmwareFile, chip: ChipSpec, address: number, flashBytes: number, warnings: string[]): void {
  const end = address + fw.bytes.length;
  if (end > flashBytes) {
    throw new UpyflashError(
      'IMAGE_TOO_LARGE',
      `The firmware ends at ${hex(end)} (${formatBytes(end)}) when written at ${hex(address)}, but the flash holds ${formatBytes(flashBytes)}.`,
      { details: { endAddress: end, flashBytes } },
    );
  }
  if (fw.partitions) {
    const ptEnd = partitionsEnd(fw.partitions);
    if (ptEnd > flashBytes) {
      throw new UpyflashError(
        'IMAGE_TOO_LARGE',
        `The partition table reaches ${hex(ptEnd)} (${formatBytes(ptEnd)}), beyond the ${formatBytes(flashBytes)} flash: the bootloader would refuse it.`,
        { details: { partitionsEnd: ptEnd, flashBytes } },
      );
    }
  }
  if (fw.kind === 'app') return; // Only the image at the bootloader offset carries the flash size that counts.
  const headerBytes = flashSizeBytes(chip, fw.bootloader.flashSizeCode);
  if (headerBytes !== undefined && headerBytes > flashBytes) {
    warnings.push(
      `The image header says ${flashSizeName(chip, fw.bootloader.flashSizeCode)} of flash but the board has ${formatBytes(flashBytes)}; use --flash-size detect (or ${formatBytes(flashBytes)}).`,
    );
  }
}

function checkAppFitsPartition(fw: FirmwareFile): void {
  if (!fw.app || !fw.partitions) return;
  const inFile = fw.app.offsetInFile;
  const part = fw.partitions.find((p) => p.type === PARTITION_TYPE_APP && p.offset - fw.suggestedOffset === inFile);
  if (part && fw.app.length > part.size) {
    throw new UpyflashError(
      'IMAGE_TOO_LARGE',
      `The application (${fw.app.length} bytes) is larger than its partition "${part.label}" (${part.size} bytes).`,
      { hint: 'The file is inconsistent: download it again.', details: { appBytes: fw.app.length, partitionBytes: part.size } },
    );
  }
}

function revText(r: number): string {
  return `v${Math.floor(r / 100)}.${r % 100}`;
}

/** esptool write_flash's revision rule: the *_rev_full fields when set, else the legacy min_rev. */
function checkRevision(chip: ChipSpec, image: EspImage, revision: number, role: string): void {
  const ext = image.extended;
  if (!ext) return;
  let useFull: boolean;
  if (ext.maxRevFull === 0) useFull = false;
  else if (ext.maxRevFull === 0xffff) useFull = !(ext.minRevFull === 0 && ext.minRev !== 0);
  else useFull = true;

  if (useFull) {
    if (revision < ext.minRevFull || revision > ext.maxRevFull) {
      const range = `${revText(ext.minRevFull)} to ${ext.maxRevFull === 0xffff ? 'any later' : revText(ext.maxRevFull)}`;
      throw new UpyflashError('CHIP_REVISION', `The ${role} supports chip revisions ${range}; this chip is ${revText(revision)}.`, {
        details: { minRevFull: ext.minRevFull, maxRevFull: ext.maxRevFull, chipRevision: revision },
      });
    }
  } else {
    const part = LEGACY_MIN_REV_PART[chip.id];
    const compared = part === 'minor' ? revision % 100 : Math.floor(revision / 100);
    if (compared >= ext.minRev) return;
    throw new UpyflashError('CHIP_REVISION', `The ${role} needs chip ${part} revision ${ext.minRev} or later; this chip is ${revText(revision)}.`, {
      details: { minRev: ext.minRev, chipRevision: revision },
    });
  }
}

/**
 * `firmware` is what to write: `fw` itself, or a copy whose stale bootloader digest was repaired
 * (a warning says so).
 */
export function validateFirmware(fw: FirmwareFile, check: FlashPlanCheck): { address: number; warnings: string[]; firmware: FirmwareFile } {
  const warnings: string[] = [];
  const chip = check.chip;
  checkChip(fw, chip);
  fw = checkIntegrity(fw, chip, warnings);
  checkAppFitsPartition(fw);

  const expected = fw.suggestedOffset;
  let address = expected;
  if (check.address !== undefined && check.address !== expected) {
    const why = addressMistake(fw, chip, check.address, expected);
    if (!check.forceAddress) {
      throw new UpyflashError('WRONG_ADDRESS', why, { details: { address: check.address, expected, kind: fw.kind } });
    }
    warnings.push(`${why} Writing at ${hex(check.address)} anyway (--force-addr); the board will probably not boot.`);
    address = check.address;
  }

  if (check.flashBytes !== undefined) checkSize(fw, chip, address, check.flashBytes, warnings);

  if (check.chipRevision !== undefined) {
    checkRevision(chip, fw.bootloader, check.chipRevision, fw.kind === 'app' ? 'application' : 'bootloader');
    if (fw.app && fw.app.offsetInFile !== 0) checkRevision(chip, fw.app, check.chipRevision, 'application');
  }
  if (fw.kind === 'bootloader-only' && !check.partOfSet) {
    warnings.push('This file holds only a bootloader: no partition table and no MicroPython application.');
  }
  return { address, warnings, firmware: fw };
}
