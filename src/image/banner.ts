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
const MACHINE_RE = /\0([\x20-\x7e]{1,96}?) with (ESP[0-9A-Z-]{2,12})\0/g;

export function bannerVersionString(version: string, buildDate: string): string {
  return `MicroPython v${version} on ${buildDate}`;
}

export function bannerMachineString(boardName: string, mcuName: string): string {
  return `${boardName} with ${mcuName}`;
}

/** Searches `bytes` for both banner strings; undefined unless the version string is present. */
export function findMicroPythonBanner(bytes: Uint8Array): MicroPythonBanner | undefined {
  const text = latin1String(bytes);
  const v = VERSION_RE.exec(text);
  if (!v) return undefined;
  let boardName = '';
  let mcuName = '';
  for (const m of text.matchAll(MACHINE_RE)) {
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
