/**
 * esptool's command lines, translated before commander sees them, so a line pasted from a guide works
 * after replacing `esptool.py` with `upyflash`: esptool's verbs (write_flash, erase_region, ...) become
 * ours, its global options (--chip, --port, --baud, --before, --after before the verb) move behind
 * the verb where ours live, its underscore spellings become dashes, and flags that mean nothing here
 * (-z: we always compress) are dropped with a one-line note rather than refused. `upyflash --help` and
 * our own verbs are untouched: translation starts only when an esptool verb is on the line.
 */
import { UpyflashError } from '../errors.js';

export interface EsptoolTranslation {
  readonly argv: string[];
  /** One line each, printed on stderr: what was dropped or mapped and why. */
  readonly notes: string[];
}

/** esptool verb (both spellings) -> ours. */
const VERBS: Readonly<Record<string, string>> = {
  write_flash: 'flash',
  erase_flash: 'erase',
  erase_region: 'erase-region',
  read_flash: 'read-flash',
  verify_flash: 'verify',
  chip_id: 'detect',
  flash_id: 'detect',
  read_mac: 'read-mac',
  image_info: 'image-info',
  merge_bin: 'merge-bin',
};

/** esptool verbs upyflash does not do; refused with what to use instead (esptool's `run` is not here: `upyflash run` is ours). */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  load_ram: 'upyflash writes flash only',
  dump_mem: 'upyflash reads flash only (read_flash)',
  read_mem: 'upyflash reads flash only (read_flash)',
  write_mem: 'upyflash writes flash only',
  elf2image: 'build the .bin with ESP-IDF (idf.py build) instead',
  make_image: 'build the .bin with ESP-IDF (idf.py build) instead',
  read_flash_status: 'upyflash does not read the flash status register',
  write_flash_status: 'upyflash does not write the flash status register',
  get_security_info: 'run `upyflash doctor` for what upyflash reads of the chip',
  version: 'use `upyflash --version`',
};

/** Global esptool options that take a value -> our option on the verb (undefined: dropped with a note). */
const GLOBAL_WITH_VALUE: Readonly<Record<string, string | undefined>> = {
  '--chip': '--chip',
  '-c': '--chip',
  '--port': '--port',
  '-p': '--port',
  '--baud': '--baud',
  '-b': '--baud',
  '--before': '--before',
  '--after': '--after',
  '--connect-attempts': undefined,
  '--connect_attempts': undefined,
  '--override-vddsdio': undefined,
  '--override_vddsdio': undefined,
  '--port-filter': undefined,
  '--port_filter': undefined,
};

const GLOBAL_FLAGS_NOTED: Readonly<Record<string, string>> = {
  '--trace': 'upyflash -v shows protocol summaries',
  '-t': 'upyflash -v shows protocol summaries',
  '--no-stub': '',
  '--no_stub': '',
};

const BEFORE: Readonly<Record<string, string>> = {
  default_reset: 'default-reset',
  usb_reset: 'usb-reset',
  no_reset: 'no-reset',
};
const AFTER: Readonly<Record<string, string>> = {
  hard_reset: 'hard-reset',
  no_reset: 'no-reset',
};

/** Per-verb options that take a value, under every esptool spelling -> ours. */
const VALUE_OPTIONS: Readonly<Record<string, string>> = {
  '--flash_mode': '--flash-mode',
  '--flash-mode': '--flash-mode',
  '-fm': '--flash-mode',
  '--flash_size': '--flash-size',
  '--flash-size': '--flash-size',
  '-fs': '--flash-size',
  '--flash_freq': '--flash-freq',
  '--flash-freq': '--flash-freq',
  '-ff': '--flash-freq',
  '-o': '--output',
  '--output': '--output',
  '--fill-flash-size': '--fill-flash-size',
  '--fill_flash_size': '--fill-flash-size',
  '--target-offset': '--target-offset',
  '--target_offset': '--target-offset',
  '-t': '--target-offset',
};

/** Per-verb flags with no meaning here: dropped, with why. */
const NOTED_FLAGS: Readonly<Record<string, string>> = {
  '-z': 'upyflash always compresses',
  '--compress': 'upyflash always compresses',
  '-u': 'upyflash always compresses (the bytes written are the same)',
  '--no-compress': 'upyflash always compresses (the bytes written are the same)',
  '--no_compress': 'upyflash always compresses (the bytes written are the same)',
  '--verify': 'upyflash always verifies every written region by MD5',
  '--no-progress': 'progress goes to stderr; use --json for scripts',
  '--no_progress': 'progress goes to stderr; use --json for scripts',
  '--force': "upyflash's image checks stay on (use --force-addr to write an image at an address it does not belong)",
  '--ignore-flash-encryption-efuse-setting': 'upyflash does not write encrypted flash',
  '--ignore_flash_encryption_efuse_setting': 'upyflash does not write encrypted flash',
};

/** Per-verb options with a value that mean nothing here: dropped with their value. */
const NOTED_VALUE_OPTIONS: Readonly<Record<string, string>> = {
  '--spi-connection': 'upyflash uses the default SPI flash pins',
  '--spi_connection': 'upyflash uses the default SPI flash pins',
  '--diff': 'verify always reports the differing regions',
  '--version': 'image-info shows everything it knows',
  '--format': 'merge-bin writes raw images',
  '-f': 'merge-bin writes raw images',
};

const REFUSED_FLAGS: Readonly<Record<string, string>> = {
  '--encrypt': 'upyflash does not write encrypted flash; use esptool for flash encryption',
  '--encrypt-files': 'upyflash does not write encrypted flash; use esptool for flash encryption',
  '--encrypt_files': 'upyflash does not write encrypted flash; use esptool for flash encryption',
};

/** merge_bin's own options; under other verbs these letters mean something else or nothing. */
const MERGE_ONLY = new Set(['-o', '--output', '-t', '--target-offset', '--target_offset', '--fill-flash-size', '--fill_flash_size']);

const OFFLINE_VERBS = new Set(['image-info', 'merge-bin']);

function refuse(message: string): never {
  throw new UpyflashError('BAD_ARGUMENT', message, { hint: 'See docs/from-esptool.md for the verbs and options upyflash maps.' });
}

function verbKey(arg: string): string {
  return arg.replace(/-/g, '_');
}

/** --before/--after values in esptool's spelling, for any verb. */
function resetMode(flag: string, value: string, notes: string[]): string {
  const v = value.replace(/-/g, '_');
  if (flag === '--before') {
    if (BEFORE[v]) return BEFORE[v]!;
    if (v === 'no_reset_no_sync') {
      refuse('--before no_reset_no_sync (talk to a loader that is already synced) is not supported: upyflash always syncs; use --before no_reset.');
    }
  } else {
    if (AFTER[v]) return AFTER[v]!;
    if (v === 'soft_reset') {
      notes.push('--after soft_reset: mapped to hard_reset (upyflash restarts the chip to run the new firmware)');
      return 'hard-reset';
    }
    if (v === 'no_reset_stub') {
      notes.push('--after no_reset_stub: mapped to no_reset (the loader stays running)');
      return 'no-reset';
    }
  }
  return value;
}

/** Our own command lines: only esptool's --before/--after spellings are accepted as well. */
function normaliseResetValues(args: readonly string[], notes: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = /^(--before|--after)=(.*)$/.exec(a);
    if (eq) out.push(`${eq[1]}=${resetMode(eq[1]!, eq[2]!, notes)}`);
    else if ((a === '--before' || a === '--after') && i + 1 < args.length) out.push(a, resetMode(a, args[++i]!, notes));
    else out.push(a);
  }
  return out;
}

/** Index of the esptool verb: the first argument that is not an option or an option's value. */
function findVerb(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a in GLOBAL_WITH_VALUE) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    const key = verbKey(a);
    return key in VERBS || key in UNSUPPORTED ? i : -1;
  }
  return -1;
}

function splitOption(a: string): [string, string | undefined] {
  const eq = a.indexOf('=');
  return a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
}

/** The esptool globals before the verb: ours kept in front (--json, -v), connection options moved behind. */
function translateGlobals(args: readonly string[], notes: string[]): { front: string[]; moved: string[] } {
  const front: string[] = [];
  const moved: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitOption(args[i]!);
    if (flag in GLOBAL_WITH_VALUE) {
      const value = inline ?? args[++i];
      if (value === undefined) refuse(`${flag} needs a value.`);
      const ours = GLOBAL_WITH_VALUE[flag];
      if (!ours) notes.push(`${flag} ${value}: ignored (upyflash chooses this itself)`);
      else moved.push(ours, ours === '--before' || ours === '--after' ? resetMode(ours, value, notes) : value);
    } else if (flag in GLOBAL_FLAGS_NOTED) {
      const why = GLOBAL_FLAGS_NOTED[flag]!;
      if (why) notes.push(`${flag}: ignored (${why})`);
      else moved.push('--no-stub');
    } else front.push(args[i]!);
  }
  return { front, moved };
}

function translateVerbArgs(verb: string, args: readonly string[], notes: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = splitOption(a);
    if (flag in REFUSED_FLAGS) refuse(`${flag}: ${REFUSED_FLAGS[flag]}.`);
    if (flag in VALUE_OPTIONS && (verb === 'merge-bin' || !MERGE_ONLY.has(flag))) {
      const value = inline ?? args[++i];
      if (value === undefined) refuse(`${flag} needs a value.`);
      if (verb === 'flash' || verb === 'merge-bin') out.push(VALUE_OPTIONS[flag]!, value);
      else notes.push(`${flag} ${value}: ignored by ${verb}`);
    } else if (flag in NOTED_VALUE_OPTIONS) {
      const value = inline ?? args[++i];
      if (flag === '--format' || flag === '-f') {
        if (value !== 'raw') refuse(`merge_bin --format ${value}: upyflash writes raw images only.`);
      } else notes.push(`${flag} ${value ?? ''}: ignored (${NOTED_VALUE_OPTIONS[flag]})`);
    } else if (flag in NOTED_FLAGS) notes.push(`${flag}: ignored (${NOTED_FLAGS[flag]})`);
    else if ((flag === '-e' || flag === '--erase-all' || flag === '--erase_all') && verb === 'flash') out.push('--erase');
    else if (flag === '--before' || flag === '--after') {
      const value = inline ?? args[++i];
      if (value === undefined) refuse(`${flag} needs a value.`);
      out.push(flag, resetMode(flag, value, notes));
    } else out.push(a);
  }
  return out;
}

const TAKES_VALUE = new Set(['--port', '-p', '--baud', '-b', '--chip', '-c', '--before', '--after']);

/** verify_flash ADDR FILE -> verify FILE --addr ADDR (one pair: our verify checks one file). */
function verifyArgs(args: readonly string[]): string[] {
  const options: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) positional.push(a);
    else {
      options.push(a);
      if (TAKES_VALUE.has(a) && i + 1 < args.length) options.push(args[++i]!);
    }
  }
  if (positional.length !== 2) refuse(`verify_flash: upyflash verifies one ADDR FILE pair at a time (got ${positional.join(' ') || 'none'}).`);
  return [positional[1]!, '--addr', positional[0]!, ...options];
}

/** read_flash SIZE may be "ALL" in esptool. */
function readFlashArgs(args: string[]): string[] {
  return args.map((a) => (a === 'ALL' ? 'all' : a));
}

export function translateEsptoolArgv(args: readonly string[]): EsptoolTranslation {
  const notes: string[] = [];
  const at = findVerb(args);
  if (at < 0) return { argv: normaliseResetValues(args, notes), notes };
  const key = verbKey(args[at]!);
  if (key in UNSUPPORTED) refuse(`esptool's ${key} is not an upyflash verb: ${UNSUPPORTED[key]}.`);
  const verb = VERBS[key]!;
  const { front, moved } = translateGlobals(args.slice(0, at), notes);
  let rest = translateVerbArgs(verb, args.slice(at + 1), notes);
  if (verb === 'verify') rest = verifyArgs(rest);
  if (verb === 'read-flash') rest = readFlashArgs(rest);
  let connection = moved;
  if (OFFLINE_VERBS.has(verb)) {
    connection = [];
    for (let i = 0; i < moved.length; i += 2) {
      if (moved[i] === '--chip' && verb === 'merge-bin') connection.push('--chip', moved[i + 1]!);
      else if (moved[i] !== '--chip') notes.push(`${moved[i]} ${moved[i + 1] ?? ''}: ignored (${verb} does not use a board)`);
    }
  }
  if (key === 'flash_id' || key === 'chip_id') notes.push(`${key}: upyflash detect shows the chip and the flash together`);
  return { argv: [...front, verb, ...rest, ...connection], notes };
}
