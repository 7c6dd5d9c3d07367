/**
 * esptool's --flash-mode / --flash-size / --flash-freq: rewrite bytes 2-3 of the image written at the
 * bootloader offset (esptool cmds.py `_update_image_flash_params`; an image at any other address, such
 * as an .app-bin at 0x10000, is never touched).
 *
 * What has to be recomputed afterwards:
 * - the appended SHA-256 (ESP32 family, hash_appended = 1): it covers the whole image from byte 0, the
 *   header included, so it changes; esptool recomputes it the same way.
 * - not the checksum byte: it is 0xEF XOR the *segment data* only (bin_image.py calculate_checksum
 *   walks the segments' data; headers are not part of it), so header bytes 2-3 cannot affect it.
 * - not the MD5 that MicroPython's ESP8266 layout appends: makeimg.py leaves bytes 0-3 out of it for
 *   exactly this reason.
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { sha256 } from '../platform/hash.js';
import { formatBytes } from './bytes.js';
import { hashedLength, parseEspImage } from './esp-image.js';
import type { FirmwareFile } from './firmware-file.js';
import { FLASH_MODES, flashFreqName, flashModeName, flashSizeName, flashSizeNameForBytes, type FlashModeName } from './flash-size.js';

export interface FlashParams {
  mode?: 'keep' | FlashModeName;
  /** 'keep', 'detect' or a size name such as '4MB'. */
  size?: 'keep' | 'detect' | string;
  /** 'keep' or a frequency name such as '40m'. */
  freq?: 'keep' | string;
}

/**
 * What the flasher uses when the user says nothing. ESP8266: size 'detect', because its SDK reads the
 * flash size from this header to place its configuration sectors at the end of flash, and generic
 * images often claim more flash than a 1 MB ESP-01 has. ESP32 family: keep (esptool's default).
 */
export function defaultFlashParams(chip: ChipSpec): FlashParams {
  return chip.imageFormat === 'esp8266' ? { mode: 'keep', size: 'detect', freq: 'keep' } : { mode: 'keep', size: 'keep', freq: 'keep' };
}

function badArg(message: string): UpyflashError {
  return new UpyflashError('BAD_ARGUMENT', message);
}

function resolveMode(mode: FlashParams['mode'], current: number): number {
  if (mode === undefined || mode === 'keep') return current;
  const code = FLASH_MODES.indexOf(mode);
  if (code < 0) throw badArg(`Unknown flash mode "${String(mode)}"; use one of keep, ${FLASH_MODES.join(', ')}.`);
  return code;
}

function resolveFreq(chip: ChipSpec, freq: FlashParams['freq'], current: number): number {
  if (freq === undefined || freq === 'keep') return current;
  const code = chip.flashFrequencies[freq.toLowerCase()];
  if (code === undefined) {
    throw badArg(`The ${chip.name} has no flash frequency "${freq}"; use one of keep, ${Object.keys(chip.flashFrequencies).join(', ')}.`);
  }
  return code;
}

function resolveSize(
  chip: ChipSpec,
  size: FlashParams['size'],
  current: number,
  detected: number | undefined,
  notes: string[],
): number {
  if (size === undefined || size === 'keep') return current;
  let name = size;
  if (size === 'detect') {
    if (detected === undefined) {
      notes.push('flash size could not be detected, header size kept');
      return current;
    }
    const fit = flashSizeNameForBytes(chip, detected);
    if (fit === undefined) {
      notes.push(`detected flash size ${formatBytes(detected)} has no header code, header size kept`);
      return current;
    }
    name = fit;
  }
  const key = Object.keys(chip.flashSizes).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) {
    throw badArg(`The ${chip.name} has no flash size "${size}"; use one of keep, detect, ${Object.keys(chip.flashSizes).join(', ')}.`);
  }
  return chip.flashSizes[key]!;
}

/**
 * `address`, when given, is where the file will really be written: as in esptool, anything not written
 * at the chip's bootloader offset (e.g. a merged .bin forced elsewhere) is left untouched.
 */
export function patchFlashParams(
  fw: FirmwareFile,
  chip: ChipSpec,
  params: FlashParams,
  detectedFlashBytes?: number,
  address?: number,
): { bytes: Uint8Array; changed: boolean; description: string } {
  if (fw.kind === 'app') {
    return {
      bytes: fw.bytes,
      changed: false,
      description: 'flash parameters left as they are: an .app-bin is not written at the bootloader offset',
    };
  }
  if (address !== undefined && address !== chip.bootloaderOffset) {
    return {
      bytes: fw.bytes,
      changed: false,
      description: `flash parameters left as they are: the file is written at 0x${address.toString(16)}, not at the bootloader offset 0x${chip.bootloaderOffset.toString(16)}`,
    };
  }
  const img = fw.bootloader;
  const defaults = defaultFlashParams(chip);
  const notes: string[] = [];
  const mode = resolveMode(params.mode ?? defaults.mode, img.flashMode);
  const sizeCode = resolveSize(chip, params.size ?? defaults.size, img.flashSizeCode, detectedFlashBytes, notes);
  const freqCode = resolveFreq(chip, params.freq ?? defaults.freq, img.flashFreqCode);

  const byte2 = mode;
  const byte3 = ((sizeCode & 0x0f) << 4) | (freqCode & 0x0f);
  const describe = (what: string, from: string, to: string): string => (from === to ? `${what} ${from}` : `${what} ${from} -> ${to}`);
  const parts = [
    describe('mode', flashModeName(img.flashMode), flashModeName(mode)),
    describe('size', flashSizeName(chip, img.flashSizeCode) ?? `code ${img.flashSizeCode}`, flashSizeName(chip, sizeCode) ?? `code ${sizeCode}`),
    describe('freq', flashFreqName(chip, img.flashFreqCode) ?? `code ${img.flashFreqCode}`, flashFreqName(chip, freqCode) ?? `code ${freqCode}`),
  ];
  if (fw.bytes[2] === byte2 && fw.bytes[3] === byte3) {
    return { bytes: fw.bytes, changed: false, description: `flash parameters unchanged (${[...parts, ...notes].join(', ')})` };
  }

  const out = fw.bytes.slice();
  out[2] = byte2;
  out[3] = byte3;
  if (img.sha256) {
    const dataLen = hashedLength(img);
    out.set(sha256(out.subarray(0, dataLen)), dataLen);
    notes.push('bootloader SHA-256 recomputed');
  }
  // Re-read what we wrote: a patch that leaves an inconsistent image is a bug, not a user error.
  const check = parseEspImage(out, img.format);
  if (check.checksum.valid !== img.checksum.valid || (check.sha256 !== undefined && !check.sha256.valid)) {
    throw new UpyflashError('INTERNAL', 'Patching the flash parameters produced an inconsistent image.');
  }
  return { bytes: out, changed: true, description: `flash parameters set: ${[...parts, ...notes].join(', ')}` };
}
