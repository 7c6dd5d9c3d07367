/**
 * MicroPython's raw REPL over any Transport (facts: MICROPYTHON-NOTES.md, mpremote's transport_serial
 * and pyexec.c). Code is sent with raw-paste (flow controlled) when the firmware supports it, else in
 * classic raw mode (paced chunks); either way the board answers `stdout \x04 stderr \x04 >`.
 */
import { UpyflashError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { latin1Bytes, latin1String } from '../platform/bytes.js';
import { sleep } from '../platform/sleep.js';
import { ByteReader } from './byte-reader.js';

export interface ExecResult {
  stdout: Uint8Array;
  /** Non-empty when the code raised: the traceback. */
  stderr: Uint8Array;
}

export interface ExecOptions {
  /** Overall limit for the code to finish; undefined waits as long as it runs (e.g. `upyflash run`). */
  timeoutMs?: number;
  /** Receives stdout as it arrives. */
  onStdout?: (data: Uint8Array) => void;
}

export interface RawReplOptions {
  /** 'auto' asks the firmware and falls back; 'never' forces classic raw mode. */
  rawPaste?: 'auto' | 'never';
  /** How long to wait for the REPL's framing replies. */
  replyTimeoutMs?: number;
}

const RAW_PROMPT = 'raw REPL; CTRL-B to exit\r\n>';
/** Classic raw mode has no flow control: send in small pieces, as mpremote does. */
const CLASSIC_CHUNK = 256;
const CLASSIC_PACE_MS = 10;
const DEFAULT_REPLY_MS = 5000;

export class RawRepl {
  readonly reader: ByteReader;
  private inRaw = false;
  private pasteSupported: boolean | undefined;
  private readonly replyMs: number;

  constructor(
    readonly transport: Transport,
    private readonly options: RawReplOptions = {},
  ) {
    this.reader = new ByteReader(transport);
    this.replyMs = options.replyTimeoutMs ?? DEFAULT_REPLY_MS;
    if (options.rawPaste === 'never') this.pasteSupported = false;
  }

  get rawPasteSupported(): boolean | undefined {
    return this.pasteSupported;
  }

  /** 'never' sends code in classic raw mode from now on; 'auto' asks the firmware again at the next exec. */
  setRawPaste(mode: 'auto' | 'never'): void {
    this.pasteSupported = mode === 'never' ? false : undefined;
  }

  /** Ctrl-C twice (stops a running program), then whatever the board prints is dropped. */
  async interrupt(): Promise<void> {
    await this.write('\r\x03\x03');
    await this.reader.drain(100, 1000);
  }

  /** Interrupts what runs and enters the raw REPL; softReset also restarts the interpreter (files stay). */
  async enter(opts: { softReset?: boolean } = {}): Promise<void> {
    await this.interrupt();
    for (let attempt = 0; ; attempt++) {
      await this.write('\r\x01');
      try {
        await this.reader.readUntil(RAW_PROMPT, this.replyMs, 'the raw REPL prompt');
        break;
      } catch (e) {
        if (attempt >= 1) {
          throw new UpyflashError('REPL_ERROR', 'The board did not enter the raw REPL: is MicroPython running on it?', {
            cause: e,
            hint: 'Reset the board and try again; if it prints nothing, flash MicroPython first (`upyflash flash`).',
          });
        }
        await this.interrupt();
      }
    }
    this.inRaw = true;
    if (opts.softReset) await this.softReset();
  }

  /** Ctrl-D at the raw prompt: `OK`, `MPY: soft reboot`, boot output, the raw prompt again. */
  async softReset(): Promise<void> {
    this.assertRaw();
    await this.write('\x04');
    await this.reader.readUntil('soft reboot\r\n', this.replyMs, 'the soft reboot');
    await this.reader.readUntil(RAW_PROMPT, this.replyMs, 'the raw REPL prompt after soft reboot');
  }

  /** Ctrl-B: back to the friendly REPL (the board prints its banner). */
  async exit(): Promise<void> {
    if (!this.inRaw) return;
    this.inRaw = false;
    await this.write('\r\x02');
  }

  async exec(code: string | Uint8Array, opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertRaw();
    const bytes = typeof code === 'string' ? new TextEncoder().encode(code) : code;
    if (this.pasteSupported !== false && (await this.sendRawPaste(bytes))) {
      // The board acknowledges the end of the paste with \x04 (no OK).
      await this.reader.readUntil('\x04', this.replyMs, 'the end of the raw paste');
    } else {
      await this.sendClassic(bytes);
    }
    return this.follow(opts);
  }

  /** Runs code and returns its stdout; a traceback becomes a REPL_ERROR carrying it. */
  async execOk(code: string, opts: ExecOptions = {}): Promise<Uint8Array> {
    const { stdout, stderr } = await this.exec(code, opts);
    if (stderr.length > 0) {
      const traceback = new TextDecoder().decode(stderr).trim();
      const last = traceback.split(/\r?\n/).pop() ?? traceback;
      throw new UpyflashError('REPL_ERROR', `The board raised ${last}`, { details: { traceback } });
    }
    return stdout;
  }

  private async follow(opts: ExecOptions): Promise<ExecResult> {
    const stdout = await this.reader.readUntil('\x04', opts.timeoutMs, "the program's output", opts.onStdout);
    const stderr = await this.reader.readUntil('\x04', this.replyMs, "the program's error output");
    await this.reader.readUntil('>', this.replyMs, 'the raw REPL prompt');
    return { stdout: stdout.slice(0, -1), stderr: stderr.slice(0, -1) };
  }

  /** False when the firmware has no raw-paste (it then waits for classic input at the same prompt). */
  private async sendRawPaste(code: Uint8Array): Promise<boolean> {
    await this.write('\x05A\x01');
    const reply = latin1String(await this.reader.readExact(2, this.replyMs, 'the raw-paste reply'));
    if (reply === 'R\x00') {
      this.pasteSupported = false;
      return false;
    }
    if (reply !== 'R\x01') {
      // Firmware older than raw-paste took \x05 A as input and \x01 as "restart raw REPL".
      await this.reader.readUntil(RAW_PROMPT.slice(-10), this.replyMs, 'the raw REPL prompt');
      this.pasteSupported = false;
      return false;
    }
    this.pasteSupported = true;
    const w = await this.reader.readExact(2, this.replyMs, 'the raw-paste window size');
    const window = w[0]! | (w[1]! << 8);
    let credit = window;
    let at = 0;
    while (at < code.length) {
      while (credit === 0 || (await this.reader.hasData())) {
        const b = (await this.reader.readExact(1, this.replyMs, 'raw-paste flow control'))[0];
        if (b === 0x01) credit += window;
        else if (b === 0x04) {
          // The board gave up (e.g. out of memory while compiling): acknowledge and report.
          await this.write('\x04');
          throw new UpyflashError('REPL_ERROR', 'The board aborted the raw-paste transfer');
        } else {
          throw new UpyflashError('REPL_ERROR', `Unexpected byte 0x${b!.toString(16)} during raw-paste`);
        }
      }
      const n = Math.min(credit, window, code.length - at);
      await this.transport.write(code.subarray(at, at + n));
      at += n;
      credit -= n;
    }
    await this.write('\x04');
    return true;
  }

  private async sendClassic(code: Uint8Array): Promise<void> {
    for (let at = 0; at < code.length; at += CLASSIC_CHUNK) {
      await this.transport.write(code.subarray(at, at + CLASSIC_CHUNK));
      if (at + CLASSIC_CHUNK < code.length) {
        await this.transport.drain();
        await sleep(CLASSIC_PACE_MS);
      }
    }
    await this.write('\x04');
    const ok = latin1String(await this.reader.readExact(2, this.replyMs, 'OK from the raw REPL'));
    if (ok !== 'OK') {
      throw new UpyflashError('REPL_ERROR', `The raw REPL answered ${JSON.stringify(ok)} instead of OK`);
    }
  }

  private assertRaw(): void {
    if (!this.inRaw) throw new UpyflashError('INTERNAL', 'RawRepl.enter() must come first');
  }

  private async write(s: string): Promise<void> {
    await this.transport.write(latin1Bytes(s));
  }
}
