/**
 * Per-chip rules for reading ESP image headers that are not in the header itself.
 *
 * Legacy `min_rev` (extended header byte 6, used when the *_rev_full fields are unset, i.e. images
 * built before ESP-IDF 5.0): ESP-IDF wrote the chip's *minor* revision there for the ESP32-C3 and the
 * *major* revision for every other chip; esptool's write_flash compares accordingly (cmds.py).
 */
import type { ChipId } from './types.js';

export const LEGACY_MIN_REV_PART: Readonly<Record<ChipId, 'major' | 'minor'>> = {
  esp8266: 'major',
  esp32: 'major',
  esp32s2: 'major',
  esp32s3: 'major',
  esp32c3: 'minor',
  esp32c6: 'major',
  esp32c2: 'major',
  esp32c5: 'major',
  esp32h2: 'major',
  esp32p4: 'major',
};
