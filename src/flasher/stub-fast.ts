/**
 * Uploading the stub at the fast rate on chips whose stub re-programs the UART for the rate the ROM
 * recorded at boot (chip.stubRestoresRomBaud: esp-flasher-stub v1.1+ on ESP32/S2/P4). The ~7 KB stub
 * then crosses at e.g. 2 Mbaud (35 ms) instead of 115200 (0.6 s); the price is a second baud change,
 * made by the stub (~60 ms). The stub greets at the recorded rate right after the ROM's MEM_END reply,
 * which the host hears at the fast rate, so the greeting may be lost while the host switches: the stub
 * is proven by a round trip at the recorded rate instead, and a stub that kept the fast rate (an older
 * stub) is recognised by its greeting there.
 */
import { ROM_MAGIC_REG, type ChipSpec } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import { sleep } from '../platform/sleep.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { Op } from '../protocol/opcodes.js';
import { decodeResponse } from '../protocol/packet.js';

const OHAI = [0x4f, 0x48, 0x41, 0x49];

/** A stub that keeps the fast rate greets within this (its start is a few ms of clock setup). */
const FAST_GREETING_MS = 150;
/** Bytes in flight when the host switches are garbage at one end: let them pass. */
const SWITCH_SETTLE_MS = 10;
/** After the MEM_END reply, how long a fast-rate greeting is waited for before switching. */
const FAST_AFTER_REPLY_MS = 15;
const PROBE_TIMEOUT_MS = 200;
const PROBE_TRIES = 3;

/**
 * After MEM_END at `fastBaud`: resolves once the stub answers, leaving the host at the rate the stub
 * runs at (`romBaud` for a stub that restores it, `fastBaud` for one that greeted there).
 */
export function startedAtRomRate(romBaud: number): (link: LoaderLink, chip: ChipSpec) => Promise<void> {
  return async (link, chip) => {
    // The ROM answers MEM_END before it jumps: once that reply is in, MEM_END has left the host and
    // the host may switch. A stub that greets at the fast rate needs no switch at all.
    if ((await memEndOutcome(link)) === 'greeted') return;
    await link.transport.setBaud(romBaud);
    await sleep(SWITCH_SETTLE_MS);
    await link.transport.flushInput();
    link.reset();
    link.dialect = chip.stub;
    for (let i = 0; i < PROBE_TRIES; i++) {
      try {
        const r = await link.command({ ...commands.readReg(ROM_MAGIC_REG), timeoutMs: PROBE_TIMEOUT_MS });
        if (chip.magicValues.includes(r.value >>> 0)) return;
      } catch (e) {
        if (isUpyflashError(e, 'DISCONNECTED')) throw e;
      }
      await link.drain(20);
      link.reset();
    }
    throw new UpyflashError('TIMEOUT', `the stub did not answer at ${romBaud} baud after starting`);
  };
}

async function memEndOutcome(link: LoaderLink): Promise<'greeted' | 'answered' | 'silent'> {
  const deadline = Date.now() + FAST_GREETING_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return 'silent';
    const frame = await link.readFrame(left);
    if (!frame) return 'silent';
    if (frame.length === 4 && OHAI.every((b, i) => frame[i] === b)) return 'greeted';
    const r = decodeResponse(frame);
    if (r && r.op === Op.MEM_END) {
      if (r.body.length >= 2 && r.body[0] !== 0) throw new UpyflashError('ROM_ERROR', `MEM_END refused (error 0x${(r.body[1] ?? 0).toString(16)})`);
      // A stub that keeps the fast rate greets right after: a short look before switching.
      const next = await link.readFrame(Math.min(FAST_AFTER_REPLY_MS, Math.max(0, deadline - Date.now())));
      if (next && next.length === 4 && OHAI.every((b, i) => next[i] === b)) return 'greeted';
      return 'answered';
    }
  }
}
