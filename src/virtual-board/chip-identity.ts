import type { ChipSpec } from '../chips/types.js';
import type { BoardChip } from './chips.js';
import type { ModuleProfile } from './modules.js';

/**
 * What makes one virtual chip differ from another of its family: factory MAC, crystal, revision,
 * the flash part on the module, and security eFuses. The register model turns these into the eFuse
 * words and registers a tool reads, in each family's own layout (chip.mac), so a client decodes them
 * with the same arithmetic esptool uses.
 */
export interface ChipIdentity {
  mac: Uint8Array;
  crystalMHz: number;
  revision: number;
  /** JEDEC id as READ_ID returns it, little-endian in the word: manufacturer, type, capacity (0x1640EF). */
  flashJedecId: number;
  secureDownload?: boolean;
  /** GET_SECURITY_INFO fields that come from eFuses (defaults: blank eFuses). */
  security?: { flags?: number; flashCryptCnt?: number; keyPurposes?: readonly number[]; ecoVersion?: number };
  /**
   * Registers whose values this particular chip fixes (eFuse words as burnt, a strap register): they
   * win over the values derived above. Lets a test give the board the exact eFuses of a recorded chip.
   */
  registers?: Readonly<Record<number, number>>;
  /**
   * The ROM's UART runs at the rate CHANGE_BAUDRATE asked for times this (default 1): a ROM that
   * derives its divider from a wrong clock, as the ESP32-C2's ROM does on 26 MHz parts. The flasher
   * stub computes its own divider and is not affected.
   */
  romBaudError?: number;
  /** What the ROM's reply buffer holds in its value field before any READ_REG; default romBootReplyValue(). */
  romReplyValue?: number;
}

/** JEDEC manufacturer id of Winbond, whose W25Qxx parts sit on most ESP modules. */
export const WINBOND = 0xef;
const W25Q_TYPE = 0x40;

/** Winbond W25Qxx JEDEC id for a flash size (capacity byte = log2 of the size in bytes). */
export function winbondJedecId(flashBytes: number): number {
  const capacity = Math.round(Math.log2(flashBytes));
  return ((capacity & 0xff) << 16) | (W25Q_TYPE << 8) | WINBOND;
}

/** Flash size that a JEDEC id announces (2^capacity byte), as esptool's flash-size detection reads it. */
export function flashBytesFromJedec(jedecId: number): number {
  return 2 ** ((jedecId >>> 16) & 0xff);
}

/** Espressif OUIs as the factory MACs of each family start (ESP8266 OTP decoding knows 18:FE:34 without an explicit OUI word). */
const ESPRESSIF_OUI = [0x24, 0x0a, 0xc4] as const;
const ESP8266_OUI = [0x18, 0xfe, 0x34] as const;

export function defaultIdentity(chip: ChipSpec, flashBytes: number): ChipIdentity {
  const oui = chip.mac.layout === 'esp8266-otp' ? ESP8266_OUI : ESPRESSIF_OUI;
  // A stable, per-family NIC part so that two virtual chips of different families never share a MAC.
  const family = chip.id.split('').reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) & 0xffff, 7);
  return {
    mac: Uint8Array.from([...oui, 0x00, (family >> 8) & 0xff, family & 0xff]),
    crystalMHz: chip.crystalsMHz[0] ?? 40,
    revision: 0,
    flashJedecId: winbondJedecId(flashBytes),
    secureDownload: false,
  };
}

/**
 * The eFuse/OTP words that hold the MAC, keyed by register address, in the chip's layout:
 * - 'words': low word = MAC bytes 2..5 big-endian, high word = MAC bytes 0..1.
 * - 'esp32': eFuse word 1 = MAC bytes 2..5, word 2 = MAC bytes 0..1 (its CRC byte above them left 0).
 * - 'esp8266-otp': MAC0 bits 24..31 = byte 5, MAC1 low 16 bits = bytes 3..4, MAC3 = the OUI.
 */
export function macRegisters(chip: ChipSpec, mac: Uint8Array): Map<number, number> {
  const m = (i: number) => mac[i] ?? 0;
  const regs = chip.mac.regs;
  const out = new Map<number, number>();
  const low = ((m(2) << 24) | (m(3) << 16) | (m(4) << 8) | m(5)) >>> 0;
  const high = ((m(0) << 8) | m(1)) >>> 0;
  switch (chip.mac.layout) {
    case 'words':
    case 'esp32':
      out.set(regs[0]!, low);
      out.set(regs[1]!, high);
      break;
    case 'esp8266-otp':
      out.set(regs[0]!, (m(5) << 24) >>> 0);
      out.set(regs[1]!, (m(3) << 8) | m(4));
      out.set(regs[2]!, (m(0) << 16) | (m(1) << 8) | m(2));
      break;
  }
  return out;
}

/**
 * What the ROM's reply buffer holds in its value field before any READ_REG: the last eFuse/OTP MAC word
 * its boot code read (ESP32: MAC word 1, traces/esp32-stub-write-921600; ESP8266: the OUI word,
 * traces/esp8266-rom-write). Unknown for the newer ROMs, whose SYNC overwrites it anyway: 0.
 */
export function romBootReplyValue(chip: ChipSpec, read: (addr: number) => number): number {
  switch (chip.mac.layout) {
    case 'esp32':
      return read(chip.mac.regs[0]!) >>> 0;
    case 'esp8266-otp':
      return read(chip.mac.regs[2]!) >>> 0;
    default:
      return 0;
  }
}

/** UART_CLKDIV as the ROM leaves it after auto-bauding to `baud`: UART clock / baud. */
export function uartClockDivider(uartClockPerXtal: number, identity: ChipIdentity, baud: number): number {
  const uartClockHz = identity.crystalMHz * 1e6 * uartClockPerXtal;
  return Math.round(uartClockHz / baud);
}

/**
 * The identity of a real part (modules.ts): its eFuse words, its revision, and the ROM's console variable
 * set for the USB console the module is plugged in by (UART0 leaves it 0).
 */
export function moduleIdentity(profile: ModuleProfile, board: BoardChip): Partial<ChipIdentity> {
  const registers: Record<number, number> = { ...profile.efuses };
  if (profile.usb !== 'uart') {
    const value = board.usbConsole?.values[profile.usb];
    if (!board.usbConsole || value === undefined) throw new Error(`${profile.id}: the ${board.id} has no ${profile.usb} console`);
    registers[board.usbConsole.reg] = value;
  }
  return { registers, revision: profile.revision };
}
