import type { BoardChip } from '../chips.js';
import type { ChipIdentity } from '../chip-identity.js';

/** Flag bit 2 of GET_SECURITY_INFO: Secure Download Mode is enabled. */
export const SECURITY_FLAG_SECURE_DOWNLOAD = 1 << 2;
const KEY_PURPOSES = 7;

/**
 * GET_SECURITY_INFO payload: flags u32, flash_crypt_cnt u8, 7 key purposes, then (all but the
 * ESP32-S2) chip_id u32 and eco_version u32 (traces/esp32c3-rom-chip-id).
 */
export function securityInfo(chip: BoardChip, identity: ChipIdentity): Uint8Array {
  const withChipId = chip.securityInfoHasChipId;
  const out = new Uint8Array(withChipId ? 20 : 12);
  const v = new DataView(out.buffer);
  const sec = identity.security ?? {};
  const flags = ((sec.flags ?? 0) | (identity.secureDownload ? SECURITY_FLAG_SECURE_DOWNLOAD : 0)) >>> 0;
  v.setUint32(0, flags, true);
  out[4] = (sec.flashCryptCnt ?? 0) & 0xff;
  for (let i = 0; i < KEY_PURPOSES; i++) out[5 + i] = (sec.keyPurposes?.[i] ?? 0) & 0xff;
  if (withChipId) {
    v.setUint32(12, chip.securityChipId >>> 0, true);
    v.setUint32(16, (sec.ecoVersion ?? identity.revision) >>> 0, true);
  }
  return out;
}
