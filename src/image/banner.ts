/**
 * MicroPython prints `MICROPY_BANNER_NAME_AND_VERSION "; " MICROPY_BANNER_MACHINE` at boot. The two
 * parts are separate NUL-terminated strings in the binary: "MicroPython v1.23.0 on 2024-06-02" and
 * "<board name> with <mcu name>". Finding them tells which version and board a file is.
 */
import { latin1String } from '../platform/bytes.js';

export interface MicroPythonBanner {
  /** Without the leading "v": "1.23.0", "1.27.0-preview.164.g0f4e8a3b1". */
  version: string;
  /** As in the banner: "2024-06-02". */
  buildDate: string;
  boardName: string;
  mcuName: string;
}

const VERSION_RE = /MicroPython v([0-9]+\.[0-9]+(?:\.[0-9]+)?(?:-[0-9A-Za-z.+-]+)?) on ([0-9]{4}-[0-9]{2}-[0-9]{2})\0/;
// A NUL-terminated printable string "<board> with <mcu>"; MCU names are ESP8266, ESP32, ESP32S3...
const MACHINE_RE = /\0([\x20-\x7e]{1,96}?) with (ESP[0-9A-Z-]{2,12})\0/;

export function bannerVersionString(version: string, buildDate: string): string {
  return `MicroPython v${version} on ${buildDate}`;
}

export function bannerMachineString(boardName: string, mcuName: string): string {
  return `${boardName} with ${mcuName}`;
}

/** Searches `bytes` for both banner strings; undefined unless the version string is present. */
export function findMicroPythonBanner(bytes: Uint8Array): MicroPythonBanner | undefined {
  // Only the bytes around each anchor are turned into text: a whole 1.7 MB image as a string costs
  // tens of milliseconds on every flash and every virtual-board boot.
  let v: RegExpExecArray | null = null;
  for (const at of occurrences(bytes, VERSION_ANCHOR)) {
    v = VERSION_RE.exec(latin1String(bytes, at, Math.min(bytes.length, at + VERSION_WINDOW)));
    if (v) break;
  }
  if (!v) return undefined;
  let boardName = '';
  let mcuName = '';
  for (const at of occurrences(bytes, MACHINE_ANCHOR)) {
    const from = bytes.lastIndexOf(0, at);
    if (from < 0 || at - from > MAX_BOARD_NAME + 1) continue;
    const nul = bytes.indexOf(0, at + MACHINE_ANCHOR.length);
    if (nul < 0 || nul - at > MACHINE_ANCHOR.length + MAX_MCU_TAIL) continue;
    const m = MACHINE_RE.exec(latin1String(bytes, from, nul + 1));
    if (!m) continue;
    // The board name never starts with a space or contains another NUL-separated fragment.
    // Firmware before v1.23 keeps the separator in the machine string ("; ESP module with ESP8266").
    const candidate = m[1]!.replace(/^; /, '');
    if (candidate.trim() !== candidate) continue;
    boardName = candidate;
    mcuName = m[2]!;
    break;
  }
  return { version: v[1]!, buildDate: v[2]!, boardName, mcuName };
}

const VERSION_ANCHOR = latin1Anchor('MicroPython v');
/** Long enough for the longest version string VERSION_RE takes, its date and the NUL. */
const VERSION_WINDOW = 160;
const MACHINE_ANCHOR = latin1Anchor(' with ESP');
const MAX_BOARD_NAME = 96;
const MAX_MCU_TAIL = 10;

function latin1Anchor(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Every position of `needle` in `hay`, in order (the first byte found natively, the rest compared). */
function* occurrences(hay: Uint8Array, needle: Uint8Array): Generator<number> {
  const first = needle[0]!;
  for (let at = hay.indexOf(first); at >= 0 && at + needle.length <= hay.length; at = hay.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && hay[at + i] === needle[i]) i++;
    if (i === needle.length) yield at;
  }
}
