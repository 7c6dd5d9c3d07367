/**
 * After a flash: did MicroPython start? Waits for the banner the firmware prints at boot
 * (`MicroPython v1.27.0 on 2025-12-09; Generic ESP32 module with ESP32`) and, when none comes, says
 * what the board printed instead means: nothing at all, still in download mode, no valid image at the
 * flash start, a crash loop, a program that is not MicroPython, or text at the wrong baud rate.
 */
import { UpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';
import { latin1Bytes, latin1String } from '../platform/bytes.js';
import { ByteReader } from './byte-reader.js';

export interface BootInfo {
  /** Without the "v": "1.27.0". */
  version: string;
  buildDate: string;
  boardName: string;
  mcuName: string;
  /** The banner line as printed. */
  banner: string;
}

export interface BootCheckOptions {
  /** Total time to wait for the banner (default 10 s: first boot creates the filesystem). */
  timeoutMs?: number;
  /** When no banner came by itself, ask for one with Ctrl-C and Ctrl-B (default true). */
  nudge?: boolean;
}

/** MicroPython's REPL speed on every ESP port. */
export const REPL_BAUD = 115200;
const BANNER_RE = /MicroPython v([0-9][^\s;]*) on ([0-9]{4}-[0-9]{2}-[0-9]{2}); ([^\r\n]*?) with ([A-Z0-9-]+)\r?\n/;

export function parseBanner(text: string): BootInfo | undefined {
  const m = BANNER_RE.exec(text);
  if (!m) return undefined;
  return { version: m[1]!, buildDate: m[2]!, boardName: m[3]!, mcuName: m[4]!, banner: m[0].trimEnd() };
}

export function describeBoot(info: BootInfo): string {
  return `MicroPython v${info.version} (${info.buildDate}) is running on ${info.boardName} with ${info.mcuName}`;
}

export interface BootDiagnosis {
  message: string;
  hint: string;
}

/** What a board that printed `received` (latin-1) instead of a banner most likely suffers from. */
export function diagnoseNoBanner(received: string): BootDiagnosis {
  const text = received;
  const printable = text.replace(/[^\x20-\x7e\r\n\t]/g, '');
  if (text.trim() === '') {
    return {
      message: 'MicroPython did not start: the board printed nothing after the reset.',
      hint:
        'The reset may not have reached the board (socket:// and some adapters have no DTR/RTS): press EN (RST). ' +
        'If it stays silent, check the port and cable, then run `upyflash repl` and press EN to watch it boot.',
    };
  }
  if (/waiting for download|DOWNLOAD(_BOOT|\()/.test(text)) {
    return {
      message: 'MicroPython did not start: the board restarted in download mode instead of running the firmware.',
      hint: 'Release the BOOT (GPIO0) button and press EN (RST). If it repeats, something holds GPIO0 low.',
    };
  }
  if (/invalid header|flash read err|ets_main\.c|No bootable app|Checksum failure|image at 0x[0-9a-f]+ has invalid/i.test(text)) {
    return {
      message: 'MicroPython did not start: the boot ROM found no valid image in flash.',
      hint:
        'The firmware was probably written at the wrong offset (an ESP32 or ESP32-S2 .bin goes at 0x1000, S3/C3/C6 and ESP8266 at 0x0) ' +
        'or with a flash mode the board cannot read: flash again without --addr, with --flash-mode dio (or dout).',
    };
  }
  const resets = text.match(/rst:0x/g)?.length ?? 0;
  if (/Guru Meditation|Backtrace:|abort\(\) was called|Fatal exception|flash size|Detected size/i.test(text) || resets > 1) {
    return {
      message: 'MicroPython did not start: the firmware crashes while starting (the board keeps resetting).',
      hint:
        'Usually a flash size or variant mismatch: flash with --flash-size detect, and use the build for this board ' +
        '(e.g. not a SPIRAM build on a board without PSRAM). `upyflash repl` shows the crash text.',
    };
  }
  if (printable.length < text.length * 0.7) {
    return {
      message: 'MicroPython did not start, or it prints at another speed: the board sent unreadable bytes.',
      hint: `MicroPython talks at ${REPL_BAUD} baud (the ESP8266 ROM at 74880, which looks like noise). Run \`upyflash repl\` and press EN.`,
    };
  }
  return {
    message: 'The firmware started but printed no MicroPython banner: the image is probably not MicroPython for this board.',
    hint:
      'Check the file with `upyflash image-info FILE` (it names the MicroPython version inside), use the .bin for this chip from ' +
      'micropython.org, or run `upyflash repl` and press EN to see what the board prints.',
  };
}

/**
 * Reads what the board prints after a reset until the banner appears. Throws NO_BANNER with a diagnosis
 * (and what was received, in details) when it does not.
 */
export async function bootCheck(transport: Transport, options: BootCheckOptions, reporter: Reporter): Promise<BootInfo> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const nudge = options.nudge ?? true;
  reporter.phase('boot', 'Waiting for MicroPython to start');
  if (transport.capabilities.baudRate && transport.baud !== REPL_BAUD) await transport.setBaud(REPL_BAUD);
  const reader = new ByteReader(transport);
  const deadline = Date.now() + timeoutMs;
  let received = '';
  const waitFor = async (until: number): Promise<BootInfo | undefined> => {
    for (;;) {
      const info = parseBanner(received);
      if (info) return info;
      const left = until - Date.now();
      if (left <= 0) return undefined;
      received += latin1String(await reader.drain(Math.min(left, 200), left));
    }
  };
  let info = await waitFor(nudge ? Date.now() + Math.floor(timeoutMs * 0.6) : deadline);
  if (!info && nudge) {
    // A board that booted before we listened, or runs main.py: Ctrl-C stops it, Ctrl-B reprints the banner.
    reporter.debug('No banner yet: asking the REPL for one (Ctrl-C, Ctrl-B)');
    await transport.write(latin1Bytes('\r\x03\x03'));
    await transport.write(latin1Bytes('\r\x02'));
    info = await waitFor(deadline);
  }
  if (info) {
    reporter.info(describeBoot(info));
    return info;
  }
  const d = diagnoseNoBanner(received);
  throw new UpyflashError('NO_BANNER', d.message, { hint: d.hint, details: { received: received.slice(-2000) } });
}
