import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { commands } from '../protocol/commands.js';
import { LoaderLink } from '../protocol/loader-link.js';
import { type RawResponse, decodeResponse } from '../protocol/packet.js';
import { Op } from '../protocol/opcodes.js';
import type { Transport } from '../transport/transport.js';
import { sleep } from '../platform/sleep.js';
import { type BeforeMode, type ResetStrategy, resetSequence, runSteps } from './reset.js';

export interface ConnectOptions {
  /** esptool's --before. Transports without control lines never reset (the board must already be in download mode). */
  readonly before?: BeforeMode;
  /** Reset attempts (esptool: 7), cycling the strategies and the short/long EN delay. */
  readonly attempts?: number;
  /** SYNC commands per attempt (esptool: 5). */
  readonly syncsPerAttempt?: number;
  /** Use exactly these reset strategies (cycled) instead of esptool's sequence for `before`. */
  readonly strategies?: readonly ResetStrategy[];
}

export interface Connection {
  readonly link: LoaderLink;
  /** The flasher stub answered the SYNC (value 0): it is still running from an earlier session. */
  readonly stubRunning: boolean;
  /** Strategy that got the chip talking; undefined when no reset was done. */
  readonly strategy: string | undefined;
  /** ROM boot text seen on the way (e.g. `rst:0x1 (POWERON_RESET),boot:0x3 ... waiting for download`). */
  readonly bootText: string;
  /** Status bytes in the SYNC reply: 4 from ESP32-family ROMs, 2 from the ESP8266 ROM and the stub. */
  readonly statusBytes: 2 | 4;
}

const DEFAULT_ATTEMPTS = 7;
const NO_RESET_ATTEMPTS = 3;
const SYNCS_PER_ATTEMPT = 5;
const SYNC_RETRY_PAUSE_MS = 50;
const EXTRA_SYNC_REPLIES = 7;
const BOOT_TEXT = /boot:(0x[0-9a-fA-F]+)([^]*waiting for download)?/;

/**
 * esptool's connect loop: reset into the ROM loader with each strategy in turn, SYNC up to five times,
 * and read every SYNC reply. When nothing works, the ROM's boot text decides what we tell the user.
 */
export async function connectLoader(
  transport: Transport,
  opts: ConnectOptions,
  reporter: Reporter,
  link: LoaderLink = new LoaderLink(transport),
): Promise<Connection> {
  link.dialect = undefined;
  const canReset = transport.capabilities.controlLines && (opts.before ?? 'default-reset') !== 'no-reset';
  // Where the lines reach the board one at a time (RFC 2217), the tight sequence is not atomic: start
  // with the classic reset there, as esptool does for rfc2217:// ports.
  const tightLines = transport.capabilities.atomicSignals !== false;
  const strategies = canReset ? (opts.strategies ?? resetSequence(opts.before ?? 'default-reset', { tightLines })) : [];
  const attempts = opts.attempts ?? (canReset ? DEFAULT_ATTEMPTS : NO_RESET_ATTEMPTS);
  const syncs = opts.syncsPerAttempt ?? SYNCS_PER_ATTEMPT;
  if (!canReset) {
    reporter.info(
      transport.capabilities.controlLines
        ? 'Not resetting the board (--before no-reset): it must already be in download mode.'
        : `${transport.name} carries no DTR/RTS lines: the board must already be in download mode (hold BOOT, tap EN).`,
    );
  }

  let bootText = '';
  const bytesAtStart = link.bytesRead;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const strategy: ResetStrategy | undefined = strategies.length ? strategies[attempt % strategies.length] : undefined;
    if (strategy) {
      reporter.debug(`connect attempt ${attempt + 1}/${attempts}: ${strategy.name} reset, EN delay ${strategy.enDelayMs} ms`);
      await transport.flushInput();
      link.reset();
      await runSteps(transport, strategy.steps);
    } else {
      reporter.debug(`connect attempt ${attempt + 1}/${attempts}: no reset`);
    }
    for (let i = 0; i < syncs; i++) {
      // Keep what arrived so far (the boot text), drop stale frames, then SYNC.
      await link.listen(5);
      bootText += link.takeNoise();
      link.reset();
      const synced = await trySync(link);
      bootText += link.takeNoise();
      if (synced) {
        const stub = synced.stub;
        reporter.debug(`synced${strategy ? ` after ${strategy.name} reset` : ''}${stub ? ' (flasher stub already running)' : ''}`);
        return { link, stubRunning: stub, strategy: strategy?.name, bootText, statusBytes: synced.statusBytes };
      }
      await sleep(SYNC_RETRY_PAUSE_MS);
    }
  }
  throw diagnose(transport, bootText, link.bytesRead - bytesAtStart, canReset, attempts);
}

/** One SYNC and all its replies; undefined when the chip stayed silent. */
async function trySync(link: LoaderLink): Promise<{ stub: boolean; statusBytes: 2 | 4 } | undefined> {
  const sync = commands.sync();
  try {
    await link.send(sync);
    const deadline = Date.now() + sync.timeoutMs;
    let first: RawResponse | undefined;
    while (!first) {
      const frame = await link.readFrame(deadline - Date.now());
      if (!frame) return undefined;
      const r = decodeResponse(frame);
      if (r && r.op === Op.SYNC) first = r;
    }
    if (first.body.length < 2 || first.body[0] !== 0) return undefined;
    // ROMs put a non-zero value in SYNC replies; the stub sends 0 (esptool's sync_stub_detected).
    let stub = first.value === 0;
    for (let i = 0; i < EXTRA_SYNC_REPLIES; i++) {
      const frame = await link.readFrame(sync.timeoutMs);
      if (!frame) break;
      const r = decodeResponse(frame);
      if (r && r.op === Op.SYNC) stub &&= r.value === 0;
    }
    return { stub, statusBytes: first.body.length >= 4 ? 4 : 2 };
  } catch (e) {
    if (isUpyflashError(e, 'DISCONNECTED')) throw e;
    return undefined;
  }
}

/** E011 when upyflash did not reset the board (--before no-reset, or a port without control lines). */
export const NO_RESET_BOOT_HINT =
  'The board was not reset by upyflash, so it must be in download mode before the command starts: hold BOOT (IO0) down while you press and release EN (RST), then release BOOT and run the same command again. If it still boots normally, check the BOOT button and the GPIO0 wiring (GPIO0 must be low when EN rises).';

export function diagnose(
  transport: Transport,
  bootText: string,
  bytesSeen: number,
  didReset: boolean,
  attempts: number,
): UpyflashError {
  const m = BOOT_TEXT.exec(bootText);
  const details = { port: transport.name, bootText: bootText.slice(-400), bytesSeen, attempts };
  if (m) {
    if (m[2] !== undefined) {
      return new UpyflashError(
        'NO_SYNC_REPLY',
        `The chip is in download mode (boot:${m[1]}, "waiting for download") on ${transport.name} but never answered SYNC`,
        { details },
      );
    }
    if (!didReset) {
      // Nothing reset the board, so advice to skip the reset is no advice: it must enter download mode by hand.
      return new UpyflashError(
        'WRONG_BOOT_MODE',
        `The chip booted with boot:${m[1]} (${bootModeName(m[1]!)}) instead of download mode on ${transport.name}, and nothing reset it into the loader`,
        { details: { ...details, didReset }, hint: NO_RESET_BOOT_HINT },
      );
    }
    return new UpyflashError(
      'WRONG_BOOT_MODE',
      `The chip booted with boot:${m[1]} (${bootModeName(m[1]!)}) instead of download mode on ${transport.name}: the reset circuit did not pull GPIO0 (BOOT) low`,
      { details },
    );
  }
  if (bytesSeen === 0) {
    return new UpyflashError(
      'NO_SERIAL_DATA',
      didReset
        ? `No data at all from ${transport.name} after ${attempts} reset attempts`
        : `No data at all from ${transport.name}; without a reset the board must already be in download mode`,
      {
        details,
        hint: didReset
          ? undefined
          : 'Put the board in download mode by hand (hold BOOT, tap EN, release BOOT) and check the cable, driver, port and power; `upyflash ports` lists the ports.',
      },
    );
  }
  return new UpyflashError(
    'NO_SYNC_REPLY',
    `Received ${bytesSeen} bytes from ${transport.name} that are neither ROM boot text nor loader replies`,
    {
      details,
      hint:
        `This is usually the board running its firmware or printing at another baud rate (an ESP8266 prints its boot text at 74880 baud, which looks like this at 115200 — that part is normal). Put it in download mode: hold BOOT, tap EN, release BOOT, and run again${didReset ? ' with --before no-reset' : ''}.`,
    },
  );
}

/** Names the ESP32 ROM prints for the common flash boot modes; anything else is just "not download mode". */
const BOOT_MODE_NAMES: Readonly<Record<number, string>> = {
  0x12: 'SPI_FLASH_BOOT',
  0x13: 'SPI_FAST_FLASH_BOOT',
  0x08: 'SPI boot (ESP32-S2/S3/C3 family)',
};

function bootModeName(code: string): string {
  return BOOT_MODE_NAMES[parseInt(code, 16)] ?? 'not download mode';
}
