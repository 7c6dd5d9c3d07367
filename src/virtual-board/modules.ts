import type { ChipId } from '../chips/types.js';
import { UpyflashError } from '../errors.js';

/**
 * Real modules and chips for `virtual-board --module NAME`: the eFuse words as Espressif burns them on
 * that part, the flash on the module, and how its USB port reaches the ROM. The words are written out
 * here by hand, bit by bit from the field layouts in esptool's targets/<chip>.py (named beside each),
 * deliberately not produced by src/chips' decoder, so that a wrong decoder cannot agree with itself.
 */

export type ModuleUsb = 'uart' | 'usb-otg' | 'usb-serial-jtag';

export interface ModuleProfile {
  /** As users write it: "ESP32-S3-N16R8". */
  readonly id: string;
  readonly chip: ChipId;
  /** What the part is, in a few words (the listening line and --help). */
  readonly title: string;
  readonly flashBytes: number;
  /** eFuse words as burnt, by register address. */
  readonly efuses: Readonly<Record<number, number>>;
  /** Major revision, for the ROM banner and GET_SECURITY_INFO's eco version. */
  readonly revision: number;
  /** The port users plug in: the chip's own USB (console variable set, native link) or a UART bridge. */
  readonly usb: ModuleUsb;
}

const MB = 1024 * 1024;

// ESP32 (targets/esp32.py read_efuse(n) = 0x3FF5A000 + 4n). Word 3: pkg bits 9..11, CHIP_CPU_FREQ_RATED
// bit 13, rev bit0 bit 15. Word 4: ADC VRef bits 8..12 (the low byte, CK8M, stays 0: no ROM clock drift
// to correct here). Word 5: rev bit1 bit 20, minor bits 24..25. APB_CTL_DATE bit 31 is set by the ROM
// facts (chips.ts), so bits 15 and 20 together make major 3.
const ESP32_V3 = { w4: 0x11 << 8, w5: 1 << 20 };
const esp32Words = (pkg: number) => ({
  0x3ff5a00c: (pkg << 9) | (1 << 13) | (1 << 15),
  0x3ff5a010: ESP32_V3.w4,
  0x3ff5a014: ESP32_V3.w5,
});

// ESP32-S3 (targets/esp32s3.py, BLOCK1 0x60007044, BLOCK2 0x6000705C). BLOCK1 word3 (0x60007050): minor
// low bits 18..20, blk_version_minor 24..26, flash_cap 27..29. Word4 (0x60007054): flash vendor 0..2,
// psram_cap 3..4, psram vendor 7..8 (1 = AP_3v3). BLOCK2 word4 (0x6000706C): blk_version_major 0..1.
const s3Words = (psramCap: number) => ({
  0x60007050: (2 << 18) | (1 << 24),
  0x60007054: (psramCap << 3) | ((psramCap ? 1 : 0) << 7),
  0x60007058: 0,
  0x6000706c: 1,
});

export const MODULE_PROFILES: readonly ModuleProfile[] = [
  { id: 'ESP32-WROOM-32E', chip: 'esp32', title: 'ESP32-D0WD-V3 v3.0, 4 MB flash', flashBytes: 4 * MB, efuses: esp32Words(1), revision: 3, usb: 'uart' },
  // Its 8 MB PSRAM sits outside the chip: no eFuse tells of it.
  { id: 'ESP32-WROVER-E', chip: 'esp32', title: 'ESP32-D0WD-V3 v3.0, 4 MB flash, PSRAM outside the chip', flashBytes: 4 * MB, efuses: esp32Words(1), revision: 3, usb: 'uart' },
  { id: 'ESP32-PICO-V3-02', chip: 'esp32', title: 'ESP32-PICO-V3-02 v3.0: 8 MB flash and 2 MB PSRAM in the package', flashBytes: 8 * MB, efuses: esp32Words(6), revision: 3, usb: 'uart' },
  {
    // targets/esp32s2.py (BLOCK1 0x3F41A044): word3 (0x3F41A050) flash_version 21..24 = 2 (4 MB), psram_version
    // 28..31 = 1 (2 MB); BLOCK2 word4 (0x3F41A06C) bits 4..6 = 2 (calibration V2). The LOLIN S2 mini's chip.
    id: 'ESP32-S2FN4R2', chip: 'esp32s2', title: 'ESP32-S2FN4R2 v0.0 (LOLIN S2 mini): 4 MB flash, 2 MB PSRAM in the package, USB-OTG',
    flashBytes: 4 * MB, efuses: { 0x3f41a050: (2 << 21) | (1 << 28), 0x3f41a054: 0, 0x3f41a06c: 2 << 4 }, revision: 0, usb: 'usb-otg',
  },
  { id: 'ESP32-S3-N16R8', chip: 'esp32s3', title: 'ESP32-S3R8 v0.2: 16 MB flash, 8 MB octal PSRAM in the package, USB-Serial/JTAG', flashBytes: 16 * MB, efuses: s3Words(1), revision: 0, usb: 'usb-serial-jtag' },
  { id: 'ESP32-S3-N8R2', chip: 'esp32s3', title: 'ESP32-S3R2 v0.2: 8 MB flash, 2 MB quad PSRAM in the package', flashBytes: 8 * MB, efuses: s3Words(2), revision: 0, usb: 'uart' },
  { id: 'ESP32-S3-N4', chip: 'esp32s3', title: 'ESP32-S3 v0.2: 4 MB flash, no PSRAM', flashBytes: 4 * MB, efuses: s3Words(0), revision: 0, usb: 'uart' },
  {
    // targets/esp32c3.py (BLOCK1 0x60008844): word3 (0x60008850) minor low 18..20 = 4, flash_cap 27..29 = 1
    // (4 MB); word4 (0x60008854) flash vendor 0..2 = 1 (XMC).
    id: 'ESP32-C3-FH4', chip: 'esp32c3', title: 'ESP32-C3FH4 v0.4: 4 MB flash in the package, USB-Serial/JTAG',
    flashBytes: 4 * MB, efuses: { 0x60008850: (4 << 18) | (1 << 27), 0x60008854: 1, 0x60008858: 0 }, revision: 0, usb: 'usb-serial-jtag',
  },
  // targets/esp32c6.py (BLOCK1 0x600B0844): word3 (0x600B0850) minor 18..21 = 1, major 22..23 = 0, pkg 24..26 = 0.
  { id: 'ESP32-C6', chip: 'esp32c6', title: 'ESP32-C6 (QFN40) v0.1, 8 MB flash', flashBytes: 8 * MB, efuses: { 0x600b0850: 1 << 18 }, revision: 0, usb: 'uart' },
  // ESP8266EX: OTP bits 4 and 80 clear (targets/esp8266.py get_chip_description); the flash is on the module.
  { id: 'ESP-12F', chip: 'esp8266', title: 'ESP8266EX, 4 MB flash', flashBytes: 4 * MB, efuses: {}, revision: 0, usb: 'uart' },
  { id: 'ESP-01', chip: 'esp8266', title: 'ESP8266EX, 1 MB flash', flashBytes: 1 * MB, efuses: {}, revision: 0, usb: 'uart' },
];

const key = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function moduleProfile(name: string): ModuleProfile {
  const found = MODULE_PROFILES.find((m) => key(m.id) === key(name));
  if (!found) {
    throw new UpyflashError('BAD_ARGUMENT', `--module ${name}: not a module the virtual board knows`, {
      hint: `Use one of ${MODULE_PROFILES.map((m) => m.id).join(', ')}.`,
    });
  }
  return found;
}
