import { UpyflashError } from '../errors.js';
import { md5, toHex } from '../platform/hash.js';
import { DEFAULT_TIMEOUT_MS, commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { u32le } from '../protocol/packet.js';

export const READ_PACKET = 0x1000;
export const READ_IN_FLIGHT = 64;

/**
 * READ_FLASH through the stub: the chip streams raw frames of `READ_PACKET` bytes, the host acknowledges
 * each with the total received so far, and a final 16-byte frame carries the MD5 of what was sent.
 */
export async function readFlashRange(
  link: LoaderLink,
  offset: number,
  length: number,
  onProgress?: (done: number) => void,
): Promise<Uint8Array> {
  if (!link.dialect?.supportsStubCommands) {
    throw new UpyflashError('UNSUPPORTED_COMMAND', 'Reading flash needs the flasher stub, which this session is not running', {
      hint: 'Run without --no-stub (the ROM loader has no READ_FLASH).',
    });
  }
  await link.command(commands.readFlash(offset, length, READ_PACKET, READ_IN_FLIGHT));
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const frame = await link.readFrame(DEFAULT_TIMEOUT_MS);
    if (!frame) throw new UpyflashError('TIMEOUT', `READ_FLASH stalled after ${got} of ${length} bytes`);
    if (got + frame.length > length || (got + frame.length < length && frame.length !== READ_PACKET)) {
      throw new UpyflashError('PROTOCOL_ERROR', `READ_FLASH packet of ${frame.length} bytes at ${got} of ${length}`);
    }
    out.set(frame, got);
    got += frame.length;
    await link.write(u32le(got));
    onProgress?.(got);
  }
  const digest = await link.readFrame(DEFAULT_TIMEOUT_MS);
  if (!digest || digest.length !== 16) throw new UpyflashError('PROTOCOL_ERROR', 'READ_FLASH ended without its MD5 frame');
  if (toHex(digest) !== toHex(md5(out))) {
    throw new UpyflashError('PROTOCOL_ERROR', 'READ_FLASH data does not match the MD5 the chip sent (corrupted on the way)');
  }
  return out;
}
