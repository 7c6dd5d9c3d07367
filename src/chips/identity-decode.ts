import type { ChipIdentityFacts, EmbeddedMemory, FeatureRule, IdentityCondition, IdentityField, IdentityFieldName, PsramType } from './identity.js';

/** What a chip is, as decoded from its eFuse words (esptool's chip_id output, plus structured facts). */
export interface DecodedIdentity {
  /** esptool's model name: "ESP32-S3 (QFN56)", "ESP32-D0WD-V3", "ESP32-S2FNR2". */
  readonly model: string;
  /** esptool's description: "ESP32-S3 (QFN56) (revision v0.2)". */
  readonly description: string;
  readonly revision: { readonly major: number; readonly minor: number } | undefined;
  /** esptool's feature list, in its words. */
  readonly features: readonly string[];
  readonly cores: number;
  readonly cpuMHz: number;
  readonly radio: readonly string[];
  readonly embeddedFlashBytes: number | undefined;
  readonly embeddedPsram: { readonly bytes: number; readonly type: PsramType | undefined } | undefined;
  /** The raw value of every field read, by name. */
  readonly fields: Readonly<Partial<Record<IdentityFieldName, number>>>;
}

const MB = 1024 * 1024;

/** Every register the identity reads, once each. */
export function identityRegisters(facts: ChipIdentityFacts, extra: readonly number[] = []): number[] {
  const regs = new Set<number>(extra);
  for (const f of Object.values(facts.fields)) for (const p of (f as IdentityField).parts) regs.add(p.reg);
  return [...regs];
}

export function fieldValue(field: IdentityField, read: (reg: number) => number): number {
  let raw = 0;
  for (const p of field.parts) raw |= (((read(p.reg) >>> p.shift) & (2 ** p.bits - 1)) << (p.at ?? 0)) >>> 0;
  if (!field.map) return raw;
  return field.map.values[raw] ?? field.map.otherwise;
}

function holds(cond: IdentityCondition, values: Readonly<Partial<Record<IdentityFieldName, number>>>): boolean {
  return Object.entries(cond).every(([k, v]) => values[k as IdentityFieldName] === v);
}

function featureText(rule: FeatureRule, values: Readonly<Partial<Record<IdentityFieldName, number>>>): string | undefined {
  if ('text' in rule) {
    const shown = (!rule.when || holds(rule.when, values)) && (!rule.whenNonZero || (values[rule.whenNonZero] ?? 0) !== 0);
    return shown ? rule.text : undefined;
  }
  const v = values[rule.field] ?? 0;
  const text = rule.values[v] ?? (v === 0 ? undefined : rule.unknown);
  if (text === undefined) return undefined;
  if (!rule.vendor) return text;
  return `${text} (${rule.vendor.names[values[rule.vendor.field] ?? 0] ?? ''})`;
}

function embedded(mem: EmbeddedMemory | undefined, values: Readonly<Partial<Record<IdentityFieldName, number>>>) {
  if (!mem) return undefined;
  return mem.sizes[values[mem.field] ?? 0];
}

/** Decodes the words `read` returns (by register address) by the chip's identity facts. */
export function decodeIdentity(facts: ChipIdentityFacts, read: (reg: number) => number): DecodedIdentity {
  const values: Partial<Record<IdentityFieldName, number>> = {};
  for (const [name, field] of Object.entries(facts.fields)) values[name as IdentityFieldName] = fieldValue(field as IdentityField, read);
  const zero = facts.revisionZeroWhen;
  if (zero && holds(zero.when, values) && ((values.minor ?? 0) & (2 ** zero.minorLowBits - 1)) === 0) {
    values.major = 0;
    values.minor = 0;
  }
  const revision = values.major !== undefined && values.minor !== undefined ? { major: values.major, minor: values.minor } : undefined;
  const model = facts.names.find((r) => holds(r.when, values))?.name ?? facts.unknownName;
  const description = facts.revisionInName && revision ? `${model} (revision v${revision.major}.${revision.minor})` : model;
  const features = facts.features.map((f) => featureText(f, values)).filter((t): t is string => t !== undefined);
  const flash = embedded(facts.embeddedFlash, values);
  const psram = embedded(facts.embeddedPsram, values);
  const single = facts.cores.singleWhen && holds(facts.cores.singleWhen, values);
  const cpu = facts.cpuMHz.rules?.find((r) => holds(r.when, values))?.mhz ?? facts.cpuMHz.max;
  return {
    model,
    description,
    revision,
    features,
    cores: single ? 1 : facts.cores.count,
    cpuMHz: cpu,
    radio: facts.radio,
    embeddedFlashBytes: flash ? flash.megabytes * MB : undefined,
    embeddedPsram: psram ? { bytes: psram.megabytes * MB, type: psram.type } : undefined,
    fields: values,
  };
}

/** The console a USB attachment value names; 'uart' for anything else. */
export function usbAttachment(facts: ChipIdentityFacts, bufNo: number | undefined): 'usb-otg' | 'usb-serial-jtag' | 'uart' | undefined {
  if (!facts.usbConsole) return 'uart';
  if (bufNo === undefined) return undefined;
  return facts.usbConsole.values[bufNo & 0xff] ?? 'uart';
}
