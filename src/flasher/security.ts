/**
 * What a locked-down chip allows, and the refusals that follow from it. The facts come from
 * GET_SECURITY_INFO where the ROM has it (flag bits and flash_crypt_cnt as esptool's get_security_info
 * reads them) and from the eFuse words the chip data names where it has not (ESP32: FLASH_CRYPT_CNT,
 * ABS_DONE_0/1; esptool targets/esp32.py). Policy only: no I/O beyond reading those words.
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { commandWithRetry } from './retry.js';

export interface ChipSecurity {
  readonly secureDownload: boolean;
  readonly flashEncryption: boolean;
  readonly secureBoot: boolean;
  /** The raw eFuse counter (odd number of set bits = encryption on), where known. */
  readonly flashCryptCnt?: number;
  /** Where the facts came from. */
  readonly source: 'security-info' | 'efuse' | 'none';
}

/** GET_SECURITY_INFO flag bits (esptool loader.py). */
export const SECURITY_FLAG = { SECURE_BOOT_EN: 1 << 0, SECURE_DOWNLOAD_ENABLE: 1 << 2 } as const;

export const UNSECURED: ChipSecurity = { secureDownload: false, flashEncryption: false, secureBoot: false, source: 'none' };

function oddBits(n: number): boolean {
  let odd = false;
  for (let v = n >>> 0; v; v &= v - 1) odd = !odd;
  return odd;
}

export function securityFromInfo(info: { flags: number; flashCryptCnt: number }): ChipSecurity {
  return {
    secureDownload: (info.flags & SECURITY_FLAG.SECURE_DOWNLOAD_ENABLE) !== 0,
    secureBoot: (info.flags & SECURITY_FLAG.SECURE_BOOT_EN) !== 0,
    flashEncryption: oddBits(info.flashCryptCnt),
    flashCryptCnt: info.flashCryptCnt,
    source: 'security-info',
  };
}

/** Reads the eFuse words of a chip without GET_SECURITY_INFO; UNSECURED when the chip data names none. */
export async function readSecurityEfuses(link: LoaderLink, chip: ChipSpec): Promise<ChipSecurity> {
  const e = chip.securityEfuses;
  if (!e) return UNSECURED;
  const reg = async (a: number) => (await commandWithRetry(link, commands.readReg(a))).value >>> 0;
  const cnt = ((await reg(e.cryptCnt.reg)) >>> e.cryptCnt.shift) & e.cryptCnt.mask;
  const secureBoot = ((await reg(e.secureBoot.reg)) & e.secureBoot.mask) !== 0;
  return { secureDownload: false, flashEncryption: oddBits(cnt), secureBoot, flashCryptCnt: cnt, source: 'efuse' };
}

const ENCRYPT_FLOW =
  "flash through the project's own encrypted build flow (idf.py encrypted-flash, or esptool write-flash --encrypt where the eFuses still allow it, with keys made by espsecure.py); upyflash cannot help there, it writes plain MicroPython images only";
const SIGN_FLOW =
  "sign the bootloader and app with the project's secure boot key (idf.py build with the secure boot options of its sdkconfig, or espsecure.py sign-data) and flash that signed build; upyflash cannot help there, it writes unsigned MicroPython images only";

/**
 * Refuses a chip that would not boot a plain MicroPython image, before anything is erased: flash
 * encryption on (the bootloader decrypts what it reads, so plain bytes become garbage) or secure boot on
 * (an unsigned bootloader/app is rejected by the ROM or bootloader).
 */
export function checkPlainImageBootable(chip: ChipSpec, s: ChipSecurity | undefined): void {
  if (!s) return;
  const where = s.source === 'efuse' ? 'eFuse' : 'GET_SECURITY_INFO';
  if (s.flashEncryption) {
    throw new UpyflashError('FLASH_ENCRYPTED', `Flash encryption is enabled on this ${chip.name} (${where}: flash crypt count 0x${(s.flashCryptCnt ?? 0).toString(16)}, an odd number of bits set): a plain MicroPython image written now would not boot`, {
      hint: `The chip decrypts its flash as it boots, so plain bytes read back as garbage. Nothing was erased or written. Its owner must ${ENCRYPT_FLOW}.`,
      details: { chip: chip.id, flashCryptCnt: s.flashCryptCnt, source: s.source },
    });
  }
  if (s.secureBoot) {
    throw new UpyflashError('SECURE_BOOT_ENABLED', `Secure boot is enabled on this ${chip.name} (${where}: ${s.source === 'efuse' ? 'ABS_DONE_0/ABS_DONE_1' : 'SECURE_BOOT_EN'} set): it only starts a bootloader and app signed with its key, which a MicroPython download is not`, {
      hint: `Nothing was erased or written. Its owner must ${SIGN_FLOW}.`,
      details: { chip: chip.id, source: s.source },
    });
  }
}

/** What Secure Download Mode leaves possible, said once up front (E013 as a warning). */
export function secureDownloadNotice(chip: ChipSpec): string {
  return (
    `E013 Secure Download Mode is on (eFuse ENABLE_SECURITY_DOWNLOAD): this ${chip.name}'s ROM accepts only plain flash writes. ` +
    'No flasher stub, no register reads (so no flash size detection), no compressed transfer, no MD5 checksums, no reading or backing up the flash, no whole-chip erase: ' +
    'upyflash writes uncompressed at ROM speed, and the result cannot be verified.'
  );
}

/** Refuses the parts of a job that Secure Download Mode cannot do, before anything is written. */
export function checkSecureDownloadJob(chip: ChipSpec, s: ChipSecurity | undefined, job: { eraseAll?: boolean; backup?: boolean }): void {
  if (!s?.secureDownload) return;
  const what = job.eraseAll ? 'erasing the whole chip (--erase)' : job.backup ? 'a backup of the flash (--backup)' : undefined;
  if (!what) return;
  throw new UpyflashError('SECURE_DOWNLOAD_MODE', `Secure Download Mode on this ${chip.name}: ${what} is not possible`, {
    hint: 'The ROM in Secure Download Mode neither reads the flash nor knows its size; leave that option out and only the image is written (unverified).',
  });
}
