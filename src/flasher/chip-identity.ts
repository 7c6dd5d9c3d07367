/**
 * Reads the eFuse words the chip data names (chips/<chip>.ts `identity`) and decodes them: model and
 * package, revision, esptool's feature list, memory in the package and how the port is attached. One
 * READ_REG per word; nothing here knows a chip by name.
 */
import type { ChipSpec } from '../chips/index.js';
import { type DecodedIdentity, decodeIdentity, identityRegisters, usbAttachment } from '../chips/identity-decode.js';
import type { IdentityFieldName } from '../chips/identity.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { commandWithRetry } from './retry.js';

export type PortAttachment = 'usb-otg' | 'usb-serial-jtag' | 'uart';

export interface ChipIdentityReport extends DecodedIdentity {
  /** How the port reaches the ROM; undefined where it could not be read. */
  readonly usb: PortAttachment | undefined;
  /** Every word read, by address ('0x60007050': '0x01080000'): what the decoding started from. */
  readonly efuseWords: Readonly<Record<string, string>>;
  /** The esptool function each field follows. */
  readonly sources: Readonly<Partial<Record<IdentityFieldName | 'usb', string>>>;
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The chip's identity, or undefined where the chip data has none or the loader refuses READ_REG (Secure Download Mode). */
export async function readChipIdentity(link: LoaderLink, chip: ChipSpec, opts: { secureDownload: boolean }): Promise<ChipIdentityReport | undefined> {
  const facts = chip.identity;
  if (!facts || opts.secureDownload) return undefined;
  const usbReg = facts.usbConsole?.reg;
  const words = new Map<number, number>();
  for (const reg of identityRegisters(facts, usbReg !== undefined ? [usbReg] : [])) {
    words.set(reg, (await commandWithRetry(link, commands.readReg(reg))).value >>> 0);
  }
  return identityFromWords(chip, words);
}

/** Decodes words already read (the web page and tests hold them as a map). */
export function identityFromWords(chip: ChipSpec, words: ReadonlyMap<number, number>): ChipIdentityReport | undefined {
  const facts = chip.identity;
  if (!facts) return undefined;
  const decoded = decodeIdentity(facts, (reg) => words.get(reg) ?? 0);
  const usbReg = facts.usbConsole?.reg;
  const sources: Partial<Record<IdentityFieldName | 'usb', string>> = {};
  for (const [name, field] of Object.entries(facts.fields)) sources[name as IdentityFieldName] = field.source;
  if (facts.usbConsole) sources.usb = facts.usbConsole.source;
  const efuseWords: Record<string, string> = {};
  for (const [reg, value] of [...words].sort((a, b) => a[0] - b[0])) efuseWords[hex8(reg)] = hex8(value);
  return { ...decoded, usb: usbAttachment(facts, usbReg !== undefined ? words.get(usbReg) : undefined), efuseWords, sources };
}

const ATTACHMENT_WORDS: Readonly<Record<PortAttachment, string>> = {
  'usb-otg': 'USB-OTG (the chip\'s own USB)',
  'usb-serial-jtag': 'USB-Serial/JTAG (the chip\'s own USB)',
  uart: 'UART (a USB-serial bridge or header)',
};

export function describeAttachment(a: PortAttachment): string {
  return ATTACHMENT_WORDS[a];
}
