import type { LoaderDialect } from './types.js';

/** The flasher stub speaks one dialect on every chip. */
export const STUB_DIALECT: LoaderDialect = {
  statusBytes: 2,
  flashBeginWords: 5,
  spiAttachWords: 1,
  supportsDeflate: true,
  supportsMd5: true,
  md5Format: 'raw',
  supportsChangeBaud: true,
  supportsSecurityInfo: true,
  supportsStubCommands: true,
  flashBlockSize: 0x4000,
  eraseSizeBug: false,
  deflateSizeRoundedToBlocks: false,
};

/** ROMs of the ESP32 family newer than the ESP32 itself. */
export const NEWER_ROM_DIALECT: LoaderDialect = {
  statusBytes: 4,
  flashBeginWords: 5,
  spiAttachWords: 2,
  supportsDeflate: true,
  supportsMd5: true,
  md5Format: 'hex',
  supportsChangeBaud: true,
  supportsSecurityInfo: true,
  supportsStubCommands: false,
  flashBlockSize: 0x400,
  eraseSizeBug: false,
  deflateSizeRoundedToBlocks: true,
};

export const ESP32_FLASH_SIZES = {
  '1MB': 0,
  '2MB': 1,
  '4MB': 2,
  '8MB': 3,
  '16MB': 4,
  '32MB': 5,
  '64MB': 6,
  '128MB': 7,
} as const;

export const ESP32_FLASH_FREQS = { '80m': 0xf, '40m': 0x0, '26m': 0x1, '20m': 0x2 } as const;

/** SPI register offsets shared by S2, S3, C3 and C6 (only the base differs). */
export function newerSpi(base: number) {
  return { base, usr: 0x18, usr1: 0x1c, usr2: 0x20, mosiDlen: 0x24, misoDlen: 0x28, w0: 0x58 } as const;
}
