import type { LoaderCore } from './core.js';

/**
 * What SPI_FLASH_MD5 costs the chip: every byte is read through the SPI controller (flash-memory.ts
 * readTimeMs), and the loader's own MD5 code digests it on the CPU, at the clock that loader runs at.
 *
 * Figures modelled, and where they come from:
 * - The ROM loader runs its CPU off the crystal (40 MHz on the ESP32 family: no PLL is set up before
 *   the second-stage bootloader; issue 22 and PROTOCOL-NOTES), so the ROM digests at identity.crystalMHz.
 * - esp-flasher-stub raises the CPU clock where esp-stub-lib's clock setup does (chips.ts stubCpuMHz:
 *   ESP32 160 MHz, src/target/esp32/src/clock.c CPU_FREQ_MHZ); elsewhere it is taken to run at the
 *   ROM's clock (not checked per chip).
 * - MD5_CYCLES_PER_BYTE is our estimate, not a measurement: a plain C MD5 does 64 steps of about eight
 *   32-bit operations plus loads per 64-byte block, ~10 cycles a byte on a single-issue 32-bit core. At
 *   40 MHz that is ~0.25 s/MB; at 160 MHz ~0.06 s/MB. Espressif's emulated ROM and stub (issue 22:
 *   5.31 s and 1.39 s for the same 1.7 MB) differ by about the same factor of four.
 * With `--no-flash-timing` MD5 is instant, like every other flash operation.
 */
export const MD5_CYCLES_PER_BYTE = 10;

/** Charges one MD5 over `size` bytes to the loader's modeled time; `cpuMHz` is the clock its code runs at. */
export function chargeMd5(core: LoaderCore, size: number, cpuMHz: number): void {
  const readMs = core.flash.readTimeMs(size);
  // Flash without timing is the test mode where every chip operation is instant.
  if (readMs <= 0) return;
  core.clock.flashBlocking(readMs + (size * MD5_CYCLES_PER_BYTE) / (cpuMHz * 1000));
}
