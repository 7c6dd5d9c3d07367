import { CHIPS, type ChipSpec, type LoaderDialect, ROM_MAGIC_REG, STUB_DIALECT, chipByImageId, chipByMagic } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { commandWithRetry } from './retry.js';
import { readU32 } from '../platform/bytes.js';
import { type ChipSecurity, UNSECURED, readSecurityEfuses, securityFromInfo } from './security.js';
import { type FlashId, readFlashId } from './spi-flash.js';
import type { ChipIdentityReport } from './chip-identity.js';

export interface SecurityInfo {
  readonly flags: number;
  readonly flashCryptCnt: number;
  readonly keyPurposes: readonly number[];
  readonly chipId: number | undefined;
  readonly ecoVersion: number | undefined;
}

/** Flag bit of GET_SECURITY_INFO that says the ROM only allows the Secure Download Mode commands. */
const SECURE_DOWNLOAD_FLAG = 1 << 2;

export interface Detection {
  readonly chip: ChipSpec;
  readonly securityInfo: SecurityInfo | undefined;
  readonly secureDownload: boolean;
  /** 'security-info' (chip id) or 'magic' (READ_REG 0x40001000). */
  readonly method: 'security-info' | 'magic';
  readonly magic: number | undefined;
  /** Secure Download Mode, flash encryption and secure boot, as this chip reports them. */
  readonly security: ChipSecurity;
}

export function parseSecurityInfo(data: Uint8Array): SecurityInfo {
  if (data.length < 12) throw new UpyflashError('PROTOCOL_ERROR', `GET_SECURITY_INFO reply too short (${data.length} bytes)`);
  return {
    flags: readU32(data, 0),
    flashCryptCnt: data[4]!,
    keyPurposes: Array.from(data.subarray(5, 12)),
    chipId: data.length >= 20 ? readU32(data, 12) : undefined,
    ecoVersion: data.length >= 20 ? readU32(data, 16) : undefined,
  };
}

/**
 * Which chip is this: GET_SECURITY_INFO's chip id where the loader has it, else the magic word at
 * 0x40001000. Works before the dialect is known: the SYNC reply already told us how many status bytes
 * this loader sends. Sets `link.dialect` to the detected chip's ROM (or stub) dialect on return.
 */
export async function detectChip(
  link: LoaderLink,
  opts: { statusBytes: 2 | 4; stubRunning: boolean; expected?: ChipSpec },
): Promise<Detection> {
  const provisional: LoaderDialect = { ...STUB_DIALECT, statusBytes: opts.statusBytes };
  link.dialect = provisional;
  // The magic word first: it names the ESP8266 and ESP32, whose ROMs lack GET_SECURITY_INFO, and asking
  // them for it costs the ~0.2 s drain of the ROM's repeated "invalid message" replies. Newer chips are
  // asked as well, for the chip id and the Secure Download flag (their magic values are not all unique,
  // and in Secure Download Mode READ_REG itself is refused).
  let magic: number | undefined;
  let byMagic: ChipSpec | undefined;
  try {
    magic = (await commandWithRetry(link, commands.readReg(ROM_MAGIC_REG))).value >>> 0;
    byMagic = chipByMagic(magic);
  } catch (e) {
    if (!isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw e;
  }
  let securityInfo: SecurityInfo | undefined;
  if (!byMagic || byMagic.rom.supportsSecurityInfo) {
    try {
      const reply = await link.command(commands.securityInfo());
      securityInfo = parseSecurityInfo(reply.data);
    } catch (e) {
      if (!isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw e;
    }
  }
  const secureDownload = securityInfo !== undefined && (securityInfo.flags & SECURE_DOWNLOAD_FLAG) !== 0;

  let chip: ChipSpec | undefined;
  let method: Detection['method'] = 'security-info';
  if (securityInfo?.chipId !== undefined) chip = chipByImageId(securityInfo.chipId);
  if (!chip && byMagic) {
    method = 'magic';
    chip = byMagic;
  }
  if (!chip) {
    const what =
      magic !== undefined
        ? `magic value 0x${magic.toString(16).padStart(8, '0')}`
        : `chip id ${securityInfo?.chipId ?? 'unknown'}`;
    throw new UpyflashError('PROTOCOL_ERROR', `Unknown or unsupported chip (${what})`, {
      hint: opts.expected
        ? `upyflash does not recognise this chip; it was told ${opts.expected.name}. Check the board.`
        : `upyflash supports ${CHIPS.map((c) => c.name).join(', ')}.`,
      details: { magic, chipId: securityInfo?.chipId },
    });
  }
  if (opts.expected && opts.expected.id !== chip.id) {
    throw new UpyflashError('BAD_ARGUMENT', `This chip is an ${chip.name}, not an ${opts.expected.name} (--chip)`, {
      hint: 'Leave --chip out (or use --chip auto) and upyflash detects the chip itself.',
    });
  }
  link.dialect = opts.stubRunning ? chip.stub : secureDownload ? secureDownloadDialect(chip.rom) : chip.rom;
  const security = securityInfo ? securityFromInfo(securityInfo) : secureDownload ? UNSECURED : await readSecurityEfuses(link, chip);
  return { chip, securityInfo, secureDownload, method, magic, security };
}

/**
 * What is left of a ROM loader in Secure Download Mode: plain FLASH_BEGIN/DATA/END, SPI_ATTACH,
 * SPI_SET_PARAMS, CHANGE_BAUDRATE and GET_SECURITY_INFO (PROTOCOL-NOTES; ESP-IDF's security docs:
 * "basic flash write"), so no compressed writes and no MD5.
 */
function secureDownloadDialect(rom: LoaderDialect): LoaderDialect {
  return { ...rom, supportsDeflate: false, supportsMd5: false, supportsStubCommands: false };
}

export interface ChipDetails {
  readonly chip: string;
  /** esptool-style: `ESP32 (revision v1.0)`. */
  readonly description: string;
  readonly revision: { readonly major: number; readonly minor: number } | undefined;
  readonly mac: string | undefined;
  readonly crystalMHz: number | undefined;
  readonly flashId: FlashId | undefined;
  readonly flashSizeBytes: number | undefined;
  readonly secureDownload: boolean;
  /** Flash encryption and secure boot as read at connect (flasher/security.ts). */
  readonly security: ChipSecurity;
  /** Model, features, in-package memory and port attachment from eFuses (flasher/chip-identity.ts). */
  readonly identity?: ChipIdentityReport;
}

/** MAC, crystal and revision from registers and eFuses, by the layouts the chip data names. */
export async function readChipFacts(
  link: LoaderLink,
  chip: ChipSpec,
  baud: number,
): Promise<{ mac: string | undefined; crystalMHz: number; revision: ChipDetails['revision'] }> {
  const reg = async (addr: number) => (await commandWithRetry(link, commands.readReg(addr))).value >>> 0;
  const mac = await readMac(chip, reg);
  const crystalMHz = await readCrystal(chip, baud, reg);
  let revision: ChipDetails['revision'];
  if (chip.revision?.layout === 'esp32') {
    const efuse = (n: number) => reg(chip.revision!.efuseBase + 4 * n);
    const w3 = await efuse(3);
    const w5 = await efuse(5);
    const date = await reg(chip.revision.apbCtlDateReg);
    const combined = (((date >>> 31) & 1) << 2) | (((w5 >>> 20) & 1) << 1) | ((w3 >>> 15) & 1);
    const major = ({ 0: 0, 1: 1, 3: 2, 7: 3 } as Record<number, number>)[combined] ?? 0;
    revision = { major, minor: (w5 >>> 24) & 0x3 };
  }
  return { mac, crystalMHz, revision };
}

async function readMac(chip: ChipSpec, reg: (a: number) => Promise<number>): Promise<string | undefined> {
  const [r0, r1, r2] = chip.mac.regs;
  let bytes: number[];
  switch (chip.mac.layout) {
    case 'words':
    case 'esp32': {
      // Low word then high word; the MAC is the last 6 bytes of high:low (big-endian).
      const lo = await reg(r0!);
      const hi = await reg(r1!);
      bytes = [(hi >>> 8) & 0xff, hi & 0xff, (lo >>> 24) & 0xff, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
      break;
    }
    case 'esp8266-otp': {
      const mac0 = await reg(r0!);
      const mac1 = await reg(r1!);
      const mac3 = await reg(r2!);
      let oui: number[];
      if (mac3 !== 0) oui = [(mac3 >>> 16) & 0xff, (mac3 >>> 8) & 0xff, mac3 & 0xff];
      else if (((mac1 >>> 16) & 0xff) === 0) oui = [0x18, 0xfe, 0x34];
      else if (((mac1 >>> 16) & 0xff) === 1) oui = [0xac, 0xd0, 0x74];
      else return undefined;
      bytes = [...oui, (mac1 >>> 8) & 0xff, mac1 & 0xff, (mac0 >>> 24) & 0xff];
      break;
    }
  }
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The crystal from the UART divider the loader runs at `baud` with (esptool get_crystal_freq). */
export async function readCrystalMHz(link: LoaderLink, chip: ChipSpec, baud: number): Promise<number> {
  return readCrystal(chip, baud, async (a) => (await commandWithRetry(link, commands.readReg(a))).value >>> 0);
}

/** The ROM set the UART divider for 115200 from the crystal; the divider gives the crystal back. */
async function readCrystal(chip: ChipSpec, baud: number, reg: (a: number) => Promise<number>): Promise<number> {
  const div = (await reg(chip.uartClkdivReg)) & 0xfffff;
  const estimate = (baud * div) / 1e6 / (chip.uartClockPerXtal ?? 1);
  // Normalise to the nearest crystal this chip can have (esptool: 40 if > 33 else 26).
  let best = chip.crystalsMHz[0]!;
  for (const c of chip.crystalsMHz) if (Math.abs(c - estimate) < Math.abs(best - estimate)) best = c;
  return best;
}

export { readFlashId };
