import type { ChipIdentity } from './chip-identity.js';
import type { BoardChip } from './chips.js';

/**
 * Locked-down chips as eFuses make them, for `virtual-board --security`. The identity this returns is
 * what the ROM then reports: GET_SECURITY_INFO flags and flash_crypt_cnt on chips that have the command
 * (flag bits as esptool's get_security_info names them), the eFuse words themselves on the ESP32, whose
 * ROM has no such command (FLASH_CRYPT_CNT, ABS_DONE_0). Secure Download Mode also narrows the ROM's
 * command set (loader/rom-loader.ts).
 */
export const SECURITY_STATES = ['sdm', 'encryption', 'secure-boot'] as const;
export type SecurityState = (typeof SECURITY_STATES)[number];

/** GET_SECURITY_INFO flag bits (esptool loader.py get_security_info). */
export const SECURITY_FLAGS = { SECURE_BOOT_EN: 1 << 0, SECURE_DOWNLOAD_ENABLE: 1 << 2 } as const;

/** One eFuse bit of the 7-bit FLASH_CRYPT_CNT / 3-bit SPI_BOOT_CRYPT_CNT set: an odd count = encryption on. */
const CRYPT_CNT_ONE_BIT = 0x1;

export class SecurityUnsupported extends Error {}

export function securedIdentity(board: BoardChip, state: SecurityState): Partial<ChipIdentity> {
  if (state === 'sdm') {
    if (!board.hasSecureDownloadMode) throw new SecurityUnsupported(`the ${board.id} ROM has no Secure Download Mode`);
    return { secureDownload: true };
  }
  if (board.rom.securityInfo) {
    return state === 'encryption'
      ? { security: { flashCryptCnt: CRYPT_CNT_ONE_BIT } }
      : { security: { flags: SECURITY_FLAGS.SECURE_BOOT_EN } };
  }
  const e = board.securityEfuses;
  if (!e) throw new SecurityUnsupported(`the ${board.id} has no flash encryption or secure boot`);
  return state === 'encryption'
    ? { registers: { [e.cryptCntReg]: (CRYPT_CNT_ONE_BIT << e.cryptCntShift) >>> 0 } }
    : { registers: { [e.absDoneReg]: e.absDone0 } };
}
