/**
 * One error hierarchy for the whole tool. Every failure a user can meet has a stable code (printed by
 * the CLI, emitted by --json, shown by the web page) and a one-line hint that says what to do about it.
 * Codes are data so that docs, `doctor` and tests can enumerate them.
 */

/**
 * What the user can do about a failure, named without any front end's controls: the CLI renders
 * `lower-baud` as `--baud 460800`, the page as its own words (cli/hint-actions.ts, web/hint-actions.ts).
 */
export const ACTIONS = {
  'retry': 'run the same job again',
  'lower-baud': 'use a lower transfer speed',
  'no-reset': 'enter download mode by hand (hold BOOT, tap EN) and connect without an automatic reset',
  'no-stub': 'use the ROM loader only, without the flasher stub',
  'use-stub': 'use the flasher stub (it is off)',
  'erase': 'erase the whole flash before writing',
  'backup': 'save the whole flash to a file first',
  'flash-mode-dout': 'set the flash mode to dout',
  'flash-size-detect': 'let the flash size be detected and written into the image header',
  'default-address': 'write at the address the file belongs at',
  'force-address': 'write at the given address anyway',
  'other-firmware': 'choose a firmware built for this chip, flash size and revision',
  'local-file': 'choose a local .bin file',
  'choose-port': 'choose the board\'s port',
  'check-cable': 'check the USB cable, power and driver',
  'close-other-programs': 'close other programs that hold the port',
  'port-permission': 'get permission to use the port',
  'reset-board': 'press EN (RST) on the board',
  'check-connection': 'check the internet connection or the download site',
  'restore-files': 'copy the kept files back onto the board',
  'report-bug': 'report the problem with the verbose output',
} as const;

export type ActionId = keyof typeof ACTIONS;

export interface ErrorSpec {
  readonly code: string;
  readonly title: string;
  /** The CLI's wording (printed after `hint:`); other front ends render `actions`. */
  readonly hint: string;
  /** What helps, most likely first. */
  readonly actions?: readonly ActionId[];
}

export const ERRORS = {
  // Ports and connection (E00x)
  NO_PORTS: {
    code: 'E001',
    title: 'No serial port found',
    hint: 'Plug the board in with a data USB cable (charge-only cables carry no data), install the USB-serial driver (CP210x or CH340) if your OS needs one, and run `upyflash doctor`.',
    actions: ['check-cable'],
  },
  PORT_NOT_FOUND: {
    code: 'E002',
    title: 'Serial port not found',
    hint: 'Check the name with `upyflash ports`; the port may have changed after a reset or re-plug.',
    actions: ['choose-port'],
  },
  PERMISSION_DENIED: {
    code: 'E003',
    title: 'Permission denied on the serial port',
    hint: 'On Linux add yourself to the group that owns the port (`sudo usermod -aG dialout $USER`, then log out and in); on Arch the group is uucp.',
    actions: ['port-permission'],
  },
  PORT_BUSY: {
    code: 'E004',
    title: 'Serial port is in use by another program',
    hint: 'Close other programs that hold the port (Thonny, uPyCraft, Arduino IDE, screen, minicom, a serial monitor) and try again.',
    actions: ['close-other-programs'],
  },
  MULTIPLE_PORTS: {
    code: 'E005',
    title: 'Several possible boards found',
    hint: 'Choose one with --port (see `upyflash ports`).',
    actions: ['choose-port'],
  },
  // Entering download mode (E01x)
  NO_SERIAL_DATA: {
    code: 'E010',
    title: 'No serial data received from the board',
    hint: 'Wrong port, a charge-only USB cable, a missing driver or no power: try another cable and port, and check `upyflash ports`.',
    actions: ['check-cable', 'choose-port'],
  },
  WRONG_BOOT_MODE: {
    code: 'E011',
    title: 'The board booted normally instead of entering download mode',
    hint: 'Hold the BOOT (IO0) button, tap EN (RST), release BOOT, then run the command again with --before no-reset.',
    actions: ['no-reset'],
  },
  NO_SYNC_REPLY: {
    code: 'E012',
    title: 'The board is in download mode but does not answer',
    hint: "The chip prints but does not hear us: check the host's TX line (board RX), the cable, and try a lower --baud.",
    actions: ['check-cable', 'lower-baud'],
  },
  SECURE_DOWNLOAD_MODE: {
    code: 'E013',
    title: 'The chip is in Secure Download Mode',
    hint: 'Only plain writes are allowed, and upyflash makes them through the ROM loader by itself; reading, MD5 verify and the stub are disabled by eFuse, so --erase and --backup cannot work.',
    actions: [],
  },
  BAUD_FAILED: {
    code: 'E014',
    title: 'The link failed at the higher baud rate',
    hint: 'Use a lower --baud (e.g. 460800 or 115200); long or poor USB cables limit the speed.',
    actions: ['lower-baud'],
  },
  TIMEOUT: {
    code: 'E015',
    title: 'The board stopped answering',
    hint: 'Check the cable and power; try a lower --baud, or press EN and run the command again.',
    actions: ['check-cable', 'lower-baud', 'reset-board'],
  },
  DISCONNECTED: {
    code: 'E016',
    title: 'The serial port went away',
    hint: 'The board was unplugged or reset onto another port; plug it back in and run the command again.',
    actions: ['check-cable', 'retry'],
  },
  LOADER_RATE_UNKNOWN: {
    code: 'E017',
    title: "The chip's loader stopped answering, and nothing on this link can reset it",
    hint: 'The loader is gone or at a baud rate upyflash cannot know (this link has no reset lines). Hold BOOT, press and release EN (or unplug and replug the board with BOOT held), release BOOT, and run the same command again.',
    actions: ['no-reset', 'retry'],
  },
  // Loader replies (E02x)
  ROM_ERROR: {
    code: 'E020',
    title: 'The loader reported an error',
    hint: 'Try again; if it repeats, erase the flash (`upyflash erase`) and try a lower --baud.',
    actions: ['retry', 'erase', 'lower-baud'],
  },
  UNSUPPORTED_COMMAND: {
    code: 'E021',
    title: "The chip's loader does not support this command",
    hint: 'This loader lacks the command; without --no-stub the flasher stub provides it.',
    actions: ['use-stub'],
  },
  STUB_FAILED: {
    code: 'E022',
    title: 'The flasher stub did not start',
    hint: 'Run again with --no-stub to use the ROM loader (slower but always present).',
    actions: ['no-stub'],
  },
  PROTOCOL_ERROR: {
    code: 'E023',
    title: 'Unexpected reply from the board',
    hint: 'Noise on the line: try a lower --baud or another USB cable.',
    actions: ['lower-baud', 'check-cable'],
  },
  // Images (E03x)
  NOT_AN_IMAGE: {
    code: 'E030',
    title: 'The file is not an ESP firmware image',
    hint: 'Download the .bin for your board from https://micropython.org/download/ (not the web page, .elf, .hex, .uf2 or .zip), or let upyflash fetch it: `upyflash flash` with no file.',
    actions: ['other-firmware'],
  },
  TRUNCATED_IMAGE: {
    code: 'E031',
    title: 'The firmware image is truncated',
    hint: 'The download was cut short: download the file again.',
    actions: ['other-firmware'],
  },
  WRONG_CHIP: {
    code: 'E032',
    title: 'The firmware is for another chip',
    hint: 'Use the firmware built for the detected chip (upyflash picks it when you give no file).',
    actions: ['other-firmware'],
  },
  WRONG_ADDRESS: {
    code: 'E033',
    title: 'Wrong flash address for this image',
    hint: 'Leave --addr out and upyflash uses the right one for the chip, or pass --force-addr if you really mean it.',
    actions: ['default-address', 'force-address'],
  },
  IMAGE_TOO_LARGE: {
    code: 'E034',
    title: 'The firmware does not fit in the flash',
    hint: 'Choose a firmware variant for a smaller flash (e.g. ESP8266_GENERIC-FLASH_1M or FLASH_512K).',
    actions: ['other-firmware'],
  },
  CHIP_REVISION: {
    code: 'E035',
    title: 'The firmware does not support this chip revision',
    hint: 'Use a firmware build that supports this revision of the chip.',
    actions: ['other-firmware'],
  },
  BAD_ARGUMENT: {
    code: 'E036',
    title: 'Invalid argument',
    hint: 'See `upyflash --help` for the accepted values.',
    actions: [],
  },
  FILE_ERROR: {
    code: 'E037',
    title: 'Cannot read or write a file',
    hint: 'Check the path and its permissions.',
    actions: [],
  },
  CORRUPT_IMAGE: {
    code: 'E038',
    title: 'The firmware file is corrupt',
    hint: 'The file is corrupt: download it again.',
  },
  // Locked-down chips: refused before anything is erased (family E03, exit code 4; E039 is taken).
  FLASH_ENCRYPTED: {
    code: 'E03A',
    title: 'Flash encryption is enabled: a plain MicroPython image would not boot',
    hint: "Nothing was erased. The chip's owner must build and encrypt the image with the project's own flow (idf.py, espsecure.py) and flash it that way; upyflash writes plain images only.",
    actions: [],
  },
  SECURE_BOOT_ENABLED: {
    code: 'E03B',
    title: 'Secure boot is enabled: an unsigned MicroPython image would not boot',
    hint: "Nothing was erased. The chip's owner must sign the bootloader and app with the project's key (idf.py, espsecure.py) and flash them that way; upyflash writes unsigned images only.",
    actions: [],
  },
  BUILD_CONTRADICTS_BOARD: {
    code: 'E03C',
    title: 'The chosen MicroPython build does not fit what was detected on this board',
    hint: 'Nothing was erased. Leave --board/--variant out and upyflash picks the build that fits, or pass --force to flash this one anyway.',
    actions: ['other-firmware'],
  },
  PARTS_CONFLICT: {
    code: 'E039',
    title: 'The parts of the image do not fit together',
    hint: 'Check the ADDR FILE pairs: each file at its own address (bootloader, partition table at 0x8000, app at its partition), none overlapping.',
    actions: [],
  },
  // Writing and verifying (E04x)
  VERIFY_FAILED: {
    code: 'E040',
    title: 'Verification failed: the flash does not hold what was written',
    hint: 'Flash again; if it repeats, try a lower --baud, erase the chip first (--erase), or check the flash mode (--flash-mode dout).',
    actions: ['retry', 'lower-baud', 'erase', 'flash-mode-dout'],
  },
  WRITE_FAILED: {
    code: 'E041',
    title: 'Writing to flash failed',
    hint: 'Flash again, at a lower --baud if it repeats; a failing flash chip or power supply can cause this.',
    actions: ['retry', 'lower-baud'],
  },
  // Firmware catalog (E05x)
  DOWNLOAD_FAILED: {
    code: 'E050',
    title: 'Firmware download failed',
    hint: 'Check the internet connection or --base-url; a cached copy is used when there is one.',
    actions: ['check-connection', 'local-file'],
  },
  FIRMWARE_NOT_FOUND: {
    code: 'E051',
    title: 'No matching firmware found',
    hint: 'See `upyflash firmware list --chip <chip>` for what is available and pick --board, --variant or --version.',
    actions: ['other-firmware'],
  },
  OFFLINE_NO_CACHE: {
    code: 'E052',
    title: 'Offline and no cached firmware',
    hint: 'Connect to the internet once, or pass a local .bin file.',
    actions: ['check-connection', 'local-file'],
  },
  CATALOG_UNREADABLE: {
    code: 'E053',
    title: 'The download site could not be read',
    hint: 'The site layout may have changed: pass a local .bin, or --version with a known release.',
    actions: ['local-file'],
  },
  // MicroPython after the flash (E06x)
  NO_BANNER: {
    code: 'E060',
    title: 'MicroPython did not start after flashing',
    hint: 'Check the flash mode (try --flash-mode dout), the flash size and the address; make sure the file is a MicroPython .bin for this board.',
    actions: ['flash-mode-dout', 'flash-size-detect', 'other-firmware'],
  },
  REPL_ERROR: {
    code: 'E061',
    title: 'The MicroPython REPL did not respond as expected',
    hint: 'Press Ctrl-C in `upyflash repl`, or reset the board, then try again.',
    actions: ['reset-board'],
  },
  SCRIPT_ERROR: {
    code: 'E062',
    title: 'The script raised an exception on the board',
    hint: 'Read the traceback above.',
    actions: [],
  },
  UNSAFE_PATH: {
    code: 'E063',
    title: 'Refused a file name that would leave the target folder',
    hint: 'Rename the file on the board; names with "..", absolute paths or control characters are not copied.',
    actions: [],
  },
  KEEP_FILES_FAILED: {
    code: 'E064',
    title: 'Could not carry the board files across the flash',
    hint: 'Your files are in the backup folder printed above: copy them back with `upyflash fs sync DIR`.',
    actions: ['restore-files'],
  },
  BOARD_BUSY: {
    code: 'E065',
    title: 'The board is busy: a running program ignores Ctrl-C',
    hint: 'Press Hard reset (or the EN/RST button on the board), then try again; if main.py starts the program at every boot, Stop it right after the reset.',
  },
  NAME_REFUSED: {
    code: 'E066',
    title: "The board's file system refused the name",
    hint: 'Use a name without "/" or control characters, shorter than 255 bytes, that is not taken yet; the folder it goes in must exist.',
  },
  BOOT_NOT_CHECKED: {
    code: 'E068',
    title: 'Written and verified; the boot was not checked',
    hint: 'The firmware is on the board and its checksum matched; only the look at it starting failed on the link. Run `upyflash repl` on the same port to see it, or flash again over a steadier connection.',
    actions: ['retry', 'check-cable'],
  },
  TRANSFER_INTERRUPTED: {
    code: 'E067',
    title: 'The file transfer stopped part way',
    hint: 'The board keeps the previous version of the file (uploads go to a temporary name first): reconnect and upload it again.',
  },
  // Libraries and Wi-Fi (E07x)
  PACKAGE_NOT_FOUND: {
    code: 'E070',
    title: 'No such package in the index',
    hint: 'Check the spelling with `upyflash mip search WORD`; for a package outside micropython-lib give its location (github:org/repo[/path][@ref]) or --index URL.',
    actions: [],
  },
  NO_BUILD_FOR_BOARD: {
    code: 'E071',
    title: "The package has no build for this board's MicroPython",
    hint: "The index has it only as .mpy for another bytecode version: update MicroPython on the board (`upyflash flash`), or pick a version built for it (NAME@VERSION).",
    actions: ['other-firmware'],
  },
  INDEX_UNREACHABLE: {
    code: 'E072',
    title: 'The package index cannot be reached',
    hint: 'Check the internet connection or --index URL; packages installed once before come from the cache without it.',
    actions: ['check-connection'],
  },
  BOARD_FULL: {
    code: 'E073',
    title: "The board's filesystem is full",
    hint: 'Nothing was left half-written. Free space with `upyflash fs rm` (see `upyflash fs ls -r`), or install fewer packages.',
    actions: [],
  },
  PACKAGE_CORRUPT: {
    code: 'E074',
    title: 'A package file from the index is damaged',
    hint: 'The download does not match the hash the index gives; nothing was written. Try again later, or use another --index.',
    actions: ['retry'],
  },
  WIFI_WRONG_PASSWORD: {
    code: 'E075',
    title: 'Wi-Fi: wrong password',
    hint: 'The network refused the password: type it again (it is case-sensitive), or pass the right one with --password-file.',
    actions: [],
  },
  WIFI_NO_NETWORK: {
    code: 'E076',
    title: 'Wi-Fi: no network of that name in range',
    hint: 'Run `upyflash wifi scan` to see the names in range (they are case-sensitive); ESP boards see 2.4 GHz networks only.',
    actions: [],
  },
  WIFI_NO_RADIO: {
    code: 'E077',
    title: 'This board has no Wi-Fi radio',
    hint: 'The firmware has no `network.WLAN`: flash a MicroPython build with Wi-Fi for this board (ESP32 and ESP8266 generic builds have it).',
    actions: ['other-firmware'],
  },
  WIFI_TIMEOUT: {
    code: 'E078',
    title: 'Wi-Fi: the connection did not complete',
    hint: 'The board is still trying: move it nearer the access point, check the password, and run `upyflash wifi connect` again.',
    actions: ['retry'],
  },
  // Stopped on purpose
  CANCELLED: {
    code: 'E098',
    title: 'Stopped before this board was done',
    hint: 'The run was interrupted (Ctrl-C); run the command again for this board.',
    actions: ['retry'],
  },
  // Internal
  INTERNAL: {
    code: 'E099',
    title: 'Internal error',
    hint: 'Please report this with the output of the command run with --verbose.',
    actions: ['report-bug'],
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorKind = keyof typeof ERRORS;

/** A loader's refusal: the command, the status byte and the error byte, each with its name. */
export interface LoaderErrorDetails {
  readonly op: number;
  /** e.g. FLASH_DEFL_DATA */
  readonly opName: string;
  /** The first status byte as sent: a ROM sends 1 (failed) and the reason after it; the stub sends its error code here. */
  readonly status: number;
  readonly error: number;
  /** The ROM's or the stub's meaning of `error`, e.g. "flash write error (readback CRC mismatch)", "inflate error". */
  readonly errorName: string;
}

export interface FlashRangeDetails {
  readonly offset: number;
  readonly length: number;
}

/** Details each kind carries (others carry a free-form record). Fields are absent when the thrower did not know them. */
export interface ErrorDetailsByKind {
  ROM_ERROR: LoaderErrorDetails;
  WRONG_CHIP: { readonly firmwareChip: string; readonly boardChip: string; readonly board: string };
  WRONG_ADDRESS: { readonly address: number; readonly expected: number; readonly kind: string };
  IMAGE_TOO_LARGE: {
    readonly endAddress?: number;
    readonly flashBytes?: number;
    readonly partitionsEnd?: number;
    readonly appBytes?: number;
    readonly partitionBytes?: number;
  };
  CHIP_REVISION: { readonly chipRevision: number; readonly minRevFull?: number; readonly maxRevFull?: number; readonly minRev?: number };
  WRITE_FAILED: { readonly failed: readonly FlashRangeDetails[] };
  VERIFY_FAILED: { readonly failed?: readonly FlashRangeDetails[] };
}

export type ErrorDetails<K extends ErrorKind> = K extends keyof ErrorDetailsByKind ? Partial<ErrorDetailsByKind[K]> : Readonly<Record<string, unknown>>;

/** The details of `e` typed for its kind, or undefined when `e` is another kind. */
export function errorDetails<K extends ErrorKind>(e: unknown, kind: K): ErrorDetails<K> | undefined {
  return isUpyflashError(e, kind) ? (e.details as ErrorDetails<K>) : undefined;
}

export class UpyflashError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly hint: string;
  /** What helps, for front ends that render their own controls (the CLI prints `hint`). */
  readonly actions: readonly ActionId[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    kind: ErrorKind,
    message?: string,
    options: { hint?: string; actions?: readonly ActionId[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    const spec: ErrorSpec = ERRORS[kind];
    super(message ?? spec.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpyflashError';
    this.kind = kind;
    this.code = spec.code;
    this.hint = options.hint ?? spec.hint;
    this.actions = options.actions ?? spec.actions ?? [];
    this.details = options.details ?? {};
  }

  toJSON(): { code: string; kind: ErrorKind; message: string; hint: string; actions: ActionId[]; details: Record<string, unknown> } {
    return { code: this.code, kind: this.kind, message: this.message, hint: this.hint, actions: [...this.actions], details: { ...this.details } };
  }
}

/** The link failed (connect, protocol, port errors: E00x-E02x), as opposed to the board, the image or the firmware. */
export function isLinkFailure(e: UpyflashError): boolean {
  return /^E0[012]/.test(e.code) && e.kind !== 'BAD_ARGUMENT';
}

export function isUpyflashError(e: unknown, kind?: ErrorKind): e is UpyflashError {
  return e instanceof UpyflashError && (kind === undefined || e.kind === kind);
}

/** Wraps anything thrown into an UpyflashError so that every layer above can print code and hint. */
export function asUpyflashError(e: unknown): UpyflashError {
  if (e instanceof UpyflashError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new UpyflashError('INTERNAL', message, { cause: e });
}
