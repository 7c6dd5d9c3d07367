/**
 * What a chip says about itself in its eFuses, as esptool reads it (`get_chip_description`,
 * `get_chip_features`, `get_flash_cap`, `get_psram_cap`, `uses_usb_otg` ... in esptool/targets/<chip>.py),
 * written as data: where each field lives and what its values mean. src/chips/identity-decode.ts turns
 * the words read from a chip into names and facts with no chip-specific code. Every field names the
 * esptool function it follows, so a reader can check one against the other.
 */

/** Fields a chip's identity is decoded from. Not every chip has every field. */
export type IdentityFieldName =
  | 'pkg'
  | 'major'
  | 'minor'
  | 'blkMajor'
  | 'blkMinor'
  | 'flashCap'
  | 'flashVendor'
  | 'psramCap'
  | 'psramVendor'
  | 'block2Version'
  | 'singleCore'
  | 'noBt'
  | 'cpuRated'
  | 'cpuLow'
  | 'adcVref'
  | 'blk3PartReserved'
  | 'codingScheme'
  | 'embedded8285';

/** Bits of one register: (word >>> shift) & (2^bits - 1), placed at bit `at` of the field's value. */
export interface FieldPart {
  readonly reg: number;
  readonly shift: number;
  readonly bits: number;
  readonly at?: number;
}

export interface IdentityField {
  readonly parts: readonly FieldPart[];
  /** The esptool function the field follows, e.g. 'targets/esp32s3.py get_psram_cap()'. */
  readonly source: string;
  /** Raw value -> value where esptool translates (ESP32 major revision: 0,1,3,7 -> 0,1,2,3; others 0). */
  readonly map?: { readonly values: Readonly<Record<number, number>>; readonly otherwise: number };
}

/** Every named field has the given value. */
export type IdentityCondition = Readonly<Partial<Record<IdentityFieldName, number>>>;

/** The chip's model name: the first rule whose condition holds. */
export interface NameRule {
  readonly when: IdentityCondition;
  readonly name: string;
}

/**
 * One entry of esptool's feature list: fixed text, text shown when a condition holds, or text picked by
 * a field's value (value 0 with no text of its own adds nothing; an unlisted value says `unknown`), with
 * an optional vendor in brackets ("Embedded PSRAM 8MB (AP_3v3)").
 */
export type FeatureRule =
  | { readonly text: string; readonly when?: IdentityCondition; readonly whenNonZero?: IdentityFieldName }
  | {
      readonly field: IdentityFieldName;
      readonly values: Readonly<Record<number, string>>;
      readonly unknown?: string;
      readonly vendor?: { readonly field: IdentityFieldName; readonly names: Readonly<Record<number, string>> };
    };

export type PsramType = 'quad' | 'octal';

/**
 * Memory in the chip's package, by a field's value. esptool names the size for the newer chips; for the
 * ESP32 it only says "Embedded Flash"/"Embedded PSRAM", so the sizes there come from Espressif's ESP32
 * datasheet (the package table), and `source` says which.
 */
export interface EmbeddedMemory {
  readonly field: IdentityFieldName;
  readonly sizes: Readonly<Record<number, { readonly megabytes: number; readonly type?: PsramType }>>;
  readonly source: string;
}

/** How the port reaches the ROM: esptool reads a ROM variable (UARTDEV_BUF_NO) that names the console. */
export interface UsbConsole {
  readonly reg: number;
  /** Values of the low byte that mean a USB console; anything else is UART0 (a USB-serial bridge or header). */
  readonly values: Readonly<Record<number, 'usb-otg' | 'usb-serial-jtag'>>;
  readonly source: string;
}

export interface ChipIdentityFacts {
  readonly fields: Readonly<Partial<Record<IdentityFieldName, IdentityField>>>;
  readonly names: readonly NameRule[];
  /** esptool's name for a value no rule knows ("unknown ESP32-S3"). */
  readonly unknownName: string;
  /** Whether the description carries "(revision vX.Y)" (the ESP8266's has none). */
  readonly revisionInName: boolean;
  /**
   * esptool's ESP32-S3 workaround: on v0.0 chips with block version 1.1 the major field meant something
   * else, so both parts of the revision read 0 (targets/esp32s3.py is_eco0()). `minorLowBits` names how
   * many low bits of the raw minor must be 0.
   */
  readonly revisionZeroWhen?: { readonly when: IdentityCondition; readonly minorLowBits: number };
  readonly features: readonly FeatureRule[];
  readonly embeddedFlash?: EmbeddedMemory;
  readonly embeddedPsram?: EmbeddedMemory;
  /** CPU cores and rated clock: fixed for the part, or lowered by eFuse (ESP32 DIS_APP_CPU, CPU_FREQ_*). */
  readonly cores: { readonly count: number; readonly singleWhen?: IdentityCondition };
  readonly cpuMHz: { readonly max: number; readonly rules?: readonly { readonly when: IdentityCondition; readonly mhz: number }[] };
  /** Radios, as Espressif's datasheet lists them. */
  readonly radio: readonly string[];
  /** Absent: the chip has no USB of its own (ESP32, ESP8266): the port is always a bridge or a header. */
  readonly usbConsole?: UsbConsole;
}
