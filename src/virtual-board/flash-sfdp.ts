/**
 * The Serial Flash Discoverable Parameters (SFDP) of the flash part on the virtual module, a Winbond
 * W25Q-series (JV) NOR flash as on most ESP modules (chip-identity.ts winbondJedecId). JESD216 lays
 * the table out; the values are the ones this part family reports, with the density word computed for
 * the modelled capacity. Facts used (Winbond W25Q32JV / W25Q256FV datasheets, "Read SFDP Register
 * (5Ah)"): a 256-byte SFDP register read with instruction 5Ah, a 24-bit address of which A7-A0 pick the
 * start byte, and 8 dummy clocks; 256-byte pages; 4 KB sector erase 20h, 32 KB block erase 52h, 64 KB
 * block erase D8h; fast reads 3Bh (1-1-2), BBh (1-2-2), 6Bh (1-1-4), EBh (1-4-4); 3-byte addressing.
 * Bytes no table covers read FFh.
 */

/** The SFDP register is 256 bytes; A23-A8 are ignored, so addresses wrap inside it. */
export const SFDP_SIZE = 256;

/** Where the basic flash parameter table (BFPT) sits, as the part's parameter header points to it. */
const BFPT_OFFSET = 0x80;

/** SFDP header: signature "SFDP", JESD216 revision 1.5 (minor 5, major 1), one parameter header, FFh. */
const HEADER = [0x53, 0x46, 0x44, 0x50, 0x05, 0x01, 0x00, 0xff];

/** Parameter header 0: JEDEC BFPT (id 00h/FFh), revision 1.5, 16 DWORDs, at BFPT_OFFSET. */
const BFPT_HEADER = [0x00, 0x05, 0x01, 16, BFPT_OFFSET & 0xff, (BFPT_OFFSET >>> 8) & 0xff, 0x00, 0xff];

/**
 * The BFPT's 16 DWORDs; DWORD 2 (density) is filled in per capacity.
 * 1: 4 KB erase supported with opcode 20h, 1-1-2 / 1-2-2 / 1-4-4 / 1-1-4 fast reads, 3-byte addresses.
 * 3: 1-4-4 read EBh (2 mode + 4 dummy clocks), 1-1-4 read 6Bh (8 dummy clocks).
 * 4: 1-1-2 read 3Bh (8 dummy clocks), 1-2-2 read BBh (2 mode clocks).
 * 5-7: no 2-2-2 or 4-4-4 reads in SPI mode (the 4-4-4 EBh entry is for QPI parts of the family).
 * 8-9: erase types 4 KB / 20h, 32 KB / 52h, 64 KB / D8h.
 * 10-16: erase and program timing, chip erase time, suspend/resume opcodes, power-down, hold/reset,
 * quad-enable and status-register facts of the JV parts (JESD216B words).
 */
const BFPT_WORDS: readonly number[] = [
  0xfff920e5, 0, 0x6b08eb44, 0xbb423b08, 0xfffffffe, 0x0000ffff, 0xeb40ffff, 0x520f200c,
  0x0000d810, 0x00a60236, 0xc914ea82, 0x337663e9, 0x757a757a, 0x5cd5a2f7, 0xff4df719, 0x80f830e9,
];

/** The part's whole SFDP register for a flash of `flashBytes`. */
export function w25qSfdp(flashBytes: number): Uint8Array {
  const table = new Uint8Array(SFDP_SIZE).fill(0xff);
  table.set(HEADER, 0);
  table.set(BFPT_HEADER, 8);
  const view = new DataView(table.buffer);
  BFPT_WORDS.forEach((word, i) => {
    // DWORD 2: density in bits minus one (bit 31 clear: below 4 Gbit).
    const value = i === 1 ? flashBytes * 8 - 1 : word;
    view.setUint32(BFPT_OFFSET + i * 4, value >>> 0, true);
  });
  return table;
}
