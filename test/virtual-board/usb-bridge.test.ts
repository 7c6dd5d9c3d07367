import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Op } from '../../src/protocol/opcodes.js';
import { decodeResponse, encodeCommand, SYNC_PAYLOAD } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import { openTransport } from '../../src/transport/node/open.js';
import { parseTransportSpec } from '../../src/transport/spec.js';
import type { Transport } from '../../src/transport/transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import type { BoardEndpoint } from '../../src/transport/endpoint.js';
import { bridgedEndpoint, VIRTUAL_BRIDGES, virtualBridgeById } from '../../src/virtual-board/usb-bridge.js';
import { bestBaudFor, describePort } from '../../src/index.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';

const cleanup = cleanupAfterAll();

const ESP32_MAGIC_REG = 0x40001000;
const ESP32_MAGIC = 0x00f01d83;

function u32le(...words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** A loader conversation over any transport: SLIP frames out, decoded replies in. */
class Loader {
  private readonly slip = new SlipDecoder();
  private replies: { op: number; value: number; body: Uint8Array }[] = [];
  bytesIn = 0;

  constructor(private readonly t: Transport) {}

  async send(op: number, data: Uint8Array): Promise<void> {
    await this.t.write(slipEncode(encodeCommand(op, data)));
  }

  /** The next reply to `op`, or undefined when none arrives within `ms`. */
  async reply(op: number, ms: number): Promise<{ value: number; body: Uint8Array } | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.replies.findIndex((r) => r.op === op);
      if (at >= 0) return this.replies.splice(at, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const chunk = await this.t.read(Math.min(left, 200));
      this.bytesIn += chunk.length;
      for (const item of this.slip.push(chunk)) {
        if (item.kind !== 'frame') continue;
        const r = decodeResponse(item.data);
        if (r) this.replies.push(r);
      }
    }
  }

  async readMagicReplies(n: number): Promise<number> {
    let good = 0;
    for (let i = 0; i < n; i++) {
      await this.send(Op.READ_REG, u32le(ESP32_MAGIC_REG));
      const r = await this.reply(Op.READ_REG, 300);
      if (r?.value === ESP32_MAGIC) good++;
    }
    return good;
  }
}

async function syncAndChangeBaud(url: string, baud: number): Promise<{ loader: Loader; t: Transport }> {
  const t = await openTransport(url, { baud: 115200 });
  cleanup(() => t.close());
  const loader = new Loader(t);
  let synced = false;
  for (let attempt = 0; attempt < 5 && !synced; attempt++) {
    await loader.send(Op.SYNC, SYNC_PAYLOAD);
    synced = (await loader.reply(Op.SYNC, 500)) !== undefined;
  }
  assert.ok(synced, 'SYNC at 115200 through the bridge');
  assert.equal(await loader.readMagicReplies(3), 3, 'READ_REG at 115200');
  // The ROM wants 0 as the second word; it answers at the old rate and then switches.
  await loader.send(Op.CHANGE_BAUDRATE, u32le(baud, 0));
  const ack = await loader.reply(Op.CHANGE_BAUDRATE, 1000);
  assert.ok(ack, `CHANGE_BAUDRATE ${baud} acknowledged at the old rate`);
  await t.setBaud(baud);
  await new Promise((r) => setTimeout(r, 50));
  await t.flushInput();
  return { loader, t };
}

describe('virtual USB bridge over rfc2217 (board process with --bridge ch340)', () => {
  it('carries 460800 intact, and garbles frames at 921600 after the rate change was acknowledged', async () => {
    const board = await startBoardProcess({ boot: 'download', args: ['--bridge', 'ch340'] });
    cleanup(async () => void (await board.stop()));
    assert.match(board.stderr(), /via WCH CH340 \[1a86:7523\]/);

    const slow = await syncAndChangeBaud(`${board.rfc2217}?bridge=ch340`, 460800);
    assert.equal(await slow.loader.readMagicReplies(10), 10, 'every READ_REG at 460800 answered correctly');
    await slow.t.close();

    // The ROM stays at 460800 after that session; a second board starts at 115200 like the first.
    const board2 = await startBoardProcess({ boot: 'download', args: ['--bridge', 'ch340'] });
    cleanup(async () => void (await board2.stop()));
    const fast = await syncAndChangeBaud(board2.rfc2217, 921600);
    const good = await fast.loader.readMagicReplies(10);
    assert.ok(good <= 1, `READ_REG at 921600 through a CH340 should not get through (${good}/10 did)`);
  });

  it('a CH343 carries 921600 (the same conversation, a faster part)', async () => {
    const board = await startBoardProcess({ boot: 'download', args: ['--bridge', 'ch343'] });
    cleanup(async () => void (await board.stop()));
    const fast = await syncAndChangeBaud(board.rfc2217, 921600);
    assert.equal(await fast.loader.readMagicReplies(10), 10);
  });

  it('--garble-above sets the limit without a part', async () => {
    const board = await startBoardProcess({ boot: 'download', args: ['--garble-above', '230400'] });
    cleanup(async () => void (await board.stop()));
    const fast = await syncAndChangeBaud(board.rfc2217, 460800);
    assert.ok((await fast.loader.readMagicReplies(10)) <= 1);
  });
});

describe('bridgedEndpoint', () => {
  function fakeEndpoint() {
    const written: Uint8Array[] = [];
    let listener: ((d: Uint8Array) => void) | undefined;
    let baud = 0;
    const ep: BoardEndpoint = {
      write: (d) => written.push(d),
      setSignals: () => {},
      setBaud: (b) => (baud = b),
      onData: (l) => (listener = l),
      close: () => {},
    };
    return { ep, written, emit: (d: Uint8Array) => listener?.(d), baud: () => baud };
  }
  const data = Uint8Array.from({ length: 200 }, (_, i) => i);

  it('passes bytes untouched at or below the part rate and corrupts them (seeded) above it, both ways', () => {
    const runs = [1, 1, 2].map((seed) => {
      const f = fakeEndpoint();
      const ep = bridgedEndpoint(f.ep, { bridge: virtualBridgeById('ch340'), seed });
      const heard: Uint8Array[] = [];
      ep.onData((d) => heard.push(d));
      ep.setBaud(460800);
      ep.write(data);
      f.emit(data);
      assert.deepEqual(f.written[0], data);
      assert.deepEqual(heard[0], data);
      ep.setBaud(921600);
      assert.equal(f.baud(), 921600, 'the rate request still reaches the board (the driver acks it)');
      ep.write(data);
      f.emit(data);
      const corrupted = f.written[1]!.filter((b, i) => b !== data[i]).length;
      assert.ok(corrupted > 20 && corrupted < 100, `${corrupted} of 200 corrupted`);
      assert.notDeepEqual(heard[1], data);
      return f.written[1]!;
    });
    assert.deepEqual(runs[0], runs[1], 'same seed, same corruption');
    assert.notDeepEqual(runs[0], runs[2]);
  });

  it('native USB never garbles, and the board ignores the host rate', async () => {
    const f = fakeEndpoint();
    const ep = bridgedEndpoint(f.ep, { bridge: VIRTUAL_BRIDGES.native });
    ep.setBaud(2_000_000);
    ep.write(data);
    assert.deepEqual(f.written[0], data);

    const board = new VirtualBoard({ chip: 'esp32', bootMode: 'download', linkModel: false, flashTiming: false, nativeUsb: true });
    cleanup(() => board.close());
    await new Promise((r) => setTimeout(r, 50));
    const port = board.connect();
    const heard: number[] = [];
    port.onData((d) => heard.push(...d));
    // The host asks for a rate the ROM is not at: over a UART that is garbage, over native USB nothing.
    port.setBaud(921600);
    port.write(slipEncode(encodeCommand(Op.SYNC, SYNC_PAYLOAD)));
    await new Promise((r) => setTimeout(r, 100));
    const frames = new SlipDecoder().push(Uint8Array.from(heard)).filter((i) => i.kind === 'frame');
    assert.ok(frames.some((i) => i.kind === 'frame' && decodeResponse(i.data)?.op === Op.SYNC), 'SYNC answered');
  });

  it("the client's candidate rates for each part (ports/bridge-rates) never exceed what the virtual part carries", () => {
    for (const model of Object.values(VIRTUAL_BRIDGES)) {
      const hex = (n: number) => n.toString(16).padStart(4, '0');
      const port = describePort({ path: '/dev/x', vid: hex(model.vid), pid: hex(model.pid), product: model.product });
      const rates = bestBaudFor(port.bridge, port.product);
      if (model.carriesUpTo === undefined) assert.equal(rates, 'native', model.id);
      else assert.ok(rates !== 'native' && rates[0]! <= model.carriesUpTo, `${model.id}: ${String(rates)}`);
    }
  });

  it('rfc2217://HOST:PORT?bridge=ch340 names the part behind a device server', () => {
    const spec = parseTransportSpec('rfc2217://127.0.0.1:4000?bridge=CH340');
    assert.equal(spec.kind === 'rfc2217' ? spec.bridge : undefined, 'ch340');
  });
});
