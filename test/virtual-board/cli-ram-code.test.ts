import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Op } from '../../src/protocol/opcodes.js';
import { dataPacket, encodeCommand, SYNC_PAYLOAD, u32le } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import { runCli } from '../../harness/cli-run.js';
import { cliPath } from '../../harness/paths.js';

/**
 * `upyflash virtual-board --ram-code`: what a program that is no known flasher stub does when a client
 * starts it with MEM_END, seen from a raw TCP client as esptool's socket:// would see it.
 */

async function boardWith(ramCode: string | undefined) {
  const args = [cliPath, 'virtual-board', '--chip', 'esp32', '--listen', '127.0.0.1:0', '--boot', 'download', '--no-link-model', '--no-flash-timing'];
  if (ramCode) args.push('--ram-code', ramCode);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line:\n${err}`)), 20_000);
    child.stderr.on('data', () => {
      const m = /listening on rfc2217:\/\/[\d.]+:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${err}`)));
  });
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const bytes: number[] = [];
  socket.on('data', (d: Buffer) => bytes.push(...d));
  const stop = async () => {
    socket.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return { socket, bytes, stop };
}

async function settle(bytes: number[], ms = 600): Promise<void> {
  let last = -1;
  while (last !== bytes.length) {
    last = bytes.length;
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** SYNC, then 64 bytes of code that is no Espressif stub, started at its first byte. */
async function startUnknownProgram(b: Awaited<ReturnType<typeof boardWith>>): Promise<Uint8Array[]> {
  const send = (op: number, data: Uint8Array, chk = 0) => b.socket.write(slipEncode(encodeCommand(op, data, chk)));
  send(Op.SYNC, SYNC_PAYLOAD);
  await settle(b.bytes);
  b.bytes.length = 0;
  send(Op.MEM_BEGIN, u32le(64, 1, 0x1800, 0x40090000));
  const p = dataPacket(0, Uint8Array.from({ length: 64 }, (_, i) => i));
  send(Op.MEM_DATA, p.data, p.checksum);
  send(Op.MEM_END, u32le(0, 0x40090000));
  await settle(b.bytes);
  const frames: Uint8Array[] = [];
  for (const item of new SlipDecoder().push(Uint8Array.from(b.bytes))) if (item.kind === 'frame') frames.push(item.data);
  return frames;
}

describe('virtual-board --ram-code', () => {
  it('default "stub": the program runs as a flasher stub and greets with OHAI', async () => {
    const b = await boardWith(undefined);
    try {
      const frames = await startUnknownProgram(b);
      assert.ok(frames.some((f) => Buffer.from(f).toString('latin1') === 'OHAI'), 'OHAI frame');
    } finally {
      await b.stop();
    }
  });

  it('"reboot": the chip leaves download mode and boots from its (empty) flash', async () => {
    const b = await boardWith('reboot');
    try {
      const frames = await startUnknownProgram(b);
      assert.ok(!frames.some((f) => Buffer.from(f).toString('latin1') === 'OHAI'));
      assert.match(Buffer.from(b.bytes).toString('latin1'), /invalid header: 0xffffffff/);
    } finally {
      await b.stop();
    }
  });

  it('anything else is refused, naming the choices', async () => {
    const r = await runCli(['virtual-board', '--ram-code', 'maybe', '--listen', '127.0.0.1:0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /--ram-code maybe: use stub or reboot/);
  });
});
