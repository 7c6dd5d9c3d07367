import type { ChipSpec } from '../chips/index.js';
import { type LoaderErrorDetails, UpyflashError, asUpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { Op, ROM_ERRORS } from '../protocol/opcodes.js';
import { decodeResponse } from '../protocol/packet.js';
import type { StubImage } from '../stub/stub-image.js';

/** Where the stub comes from: Node reads esptool-js from node_modules, the browser fetches or bundles it. */
export type StubProvider = (chip: ChipSpec) => Promise<StubImage>;

export const RAM_BLOCK = 0x1800;
const OHAI = [0x4f, 0x48, 0x41, 0x49];
const OHAI_TIMEOUT_MS = 3000;

/**
 * Uploads the stub into RAM (MEM_BEGIN / MEM_DATA in 0x1800 blocks / MEM_END), waits for its `OHAI`
 * frame and switches the link to the stub dialect. Throws STUB_FAILED; the caller decides to fall back.
 */
export async function runStub(
  link: LoaderLink,
  chip: ChipSpec,
  stub: StubImage,
  reporter: Reporter,
  /** How to tell the stub started (default: its OHAI greeting at the current rate). */
  started: (link: LoaderLink, chip: ChipSpec) => Promise<void> = awaitGreeting,
): Promise<void> {
  const segments = [
    { bytes: stub.text, addr: stub.textStart },
    { bytes: stub.data, addr: stub.dataStart },
  ].filter((s) => s.bytes.length > 0);
  const total = segments.reduce((n, s) => n + s.bytes.length, 0);
  let done = 0;
  try {
    for (const seg of segments) {
      const blocks = Math.ceil(seg.bytes.length / RAM_BLOCK);
      await link.command(commands.memBegin(seg.bytes.length, blocks, RAM_BLOCK, seg.addr));
      for (let seq = 0; seq < blocks; seq++) {
        const block = seg.bytes.subarray(seq * RAM_BLOCK, (seq + 1) * RAM_BLOCK);
        await link.command(commands.memData(seq, block));
        done += block.length;
        reporter.progress('stub', done, total);
      }
    }
    await link.send(commands.memEnd(stub.entry));
    await started(link, chip);
  } catch (e) {
    const err = asUpyflashError(e);
    throw new UpyflashError('STUB_FAILED', `The ${chip.name} flasher stub did not start: ${err.message}`, { cause: e });
  }
  link.dialect = chip.stub;
}

/**
 * After MEM_END the ROM may answer and then jump, or jump first (esptool tolerates a missing reply);
 * either way the stub announces itself with a 4-byte `OHAI` frame, which must not be skipped as a
 * stale reply.
 */
export async function awaitGreeting(link: LoaderLink, _chip?: ChipSpec, timeoutMs = OHAI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await link.readFrame(deadline - Date.now());
    if (!frame) throw new UpyflashError('TIMEOUT', 'no OHAI greeting from the stub');
    if (frame.length === 4 && OHAI.every((b, i) => frame[i] === b)) return;
    const r = decodeResponse(frame);
    if (r && r.op === Op.MEM_END && r.body.length >= 2 && r.body[0] !== 0) {
      const error = r.body[1] ?? 0;
      const errorName = ROM_ERRORS[error] ?? 'unknown error';
      throw new UpyflashError('ROM_ERROR', `MEM_END refused (error 0x${error.toString(16)})`, {
        details: { op: Op.MEM_END, opName: 'MEM_END', status: r.body[0]!, error, errorName } satisfies LoaderErrorDetails,
      });
    }
  }
}

export function isStubFailure(e: unknown): boolean {
  return isUpyflashError(e, 'STUB_FAILED');
}
