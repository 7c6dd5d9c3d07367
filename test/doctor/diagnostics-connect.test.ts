/**
 * Connect diagnostics through the CLI as a user meets them: the virtual board is made to misbehave
 * (silent, boots normally, download mode without a sync reply, Secure Download Mode, a link that
 * garbles at high baud, late and repeated replies) and served over TCP; `detect` and `doctor` run as
 * subprocesses. Each failure prints its code and fix, and the JSON form carries the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { chipById } from '../../src/chips/index.js';
import { readBaudPayload, ComPort, COM_PORT_OPTION, IAC, SB, SE, TelnetDecoder } from '../../src/transport/rfc2217-codec.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual-board/board.js';
import type { VirtualBoardServer } from '../../src/virtual-board/node/server.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { serveBoard } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { runCli } from '../../harness/cli-run.js';
import { jsonOf } from '../../harness/doctor-fake-host.js';
import { listenLocal } from '../../harness/tcp-listen.js';

const ESP32 = chipById('esp32')!;
const cleanup = cleanupAfterAll();

async function serve(opts: Partial<VirtualBoardOptions> = {}): Promise<{ board: VirtualBoard; server: VirtualBoardServer; host: string }> {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32), ...opts });
  const server = await serveBoard(board, cleanup);
  return { board, server, host: `127.0.0.1:${server.port}` };
}

/** A TCP relay between the CLI and a board server that lets a test rewrite what the chip sends. */
async function relay(
  target: number,
  hooks: { fromHost?: (data: Buffer) => void; toHost: (data: Buffer, send: (b: Buffer) => void) => void },
): Promise<number> {
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(target, '127.0.0.1');
    client.on('data', (d: Buffer) => {
      hooks.fromHost?.(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => hooks.toHost(d, (b) => !client.destroyed && client.write(b)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return listenLocal(server, cleanup);
}

interface Case {
  behaviour: VirtualBoardOptions['behaviour'];
  code: string;
  kind: string;
  fix: RegExp;
}

const CASES: Case[] = [
  { behaviour: 'silent', code: 'E010', kind: 'NO_SERIAL_DATA', fix: /cable/ },
  { behaviour: 'ignore-reset', code: 'E011', kind: 'WRONG_BOOT_MODE', fix: /Hold the BOOT \(IO0\) button, tap EN \(RST\)/ },
  { behaviour: 'no-sync', code: 'E012', kind: 'NO_SYNC_REPLY', fix: /TX line/ },
];

test('silent, boots normally, no sync reply: detect and doctor print the code and fix, text and JSON', async () => {
  // Every failing connect takes esptool's seven attempts; run all the subprocesses at once.
  const runs = await Promise.all(
    CASES.map(async (c) => {
      const boards = await Promise.all([serve({ behaviour: c.behaviour }), serve({ behaviour: c.behaviour }), serve({ behaviour: c.behaviour })]);
      const [text, json, doctor] = await Promise.all([
        runCli(['detect', '--port', `rfc2217://${boards[0].host}`]),
        runCli(['detect', '--json', '--port', `rfc2217://${boards[1].host}`]),
        runCli(['doctor', '--json', '--port', `rfc2217://${boards[2].host}`]),
      ]);
      return { c, text, json, doctor };
    }),
  );
  for (const { c, text, json, doctor } of runs) {
    assert.equal(text.code, 3, `${c.behaviour}: ${text.stderr}`);
    assert.match(text.stderr, new RegExp(`^error ${c.code}: `, 'm'), c.behaviour);
    const hintLine = /^hint: (.*)$/m.exec(text.stderr)?.[1];
    assert.ok(hintLine, `${c.behaviour}: a hint line`);
    assert.match(hintLine, c.fix);

    assert.equal(json.code, 3);
    const err = jsonOf(json).error;
    assert.equal(err?.code, c.code);
    assert.equal(err?.kind, c.kind);
    assert.equal(err?.hint, hintLine, 'the JSON carries the same fix');

    assert.equal(doctor.code, 3);
    const problem = jsonOf(doctor).result?.problems[0];
    assert.equal(problem?.code, c.code);
    assert.equal(problem?.check, 'board');
    assert.match(problem?.fix ?? '', c.fix);
  }
});

test('Secure Download Mode: detect says so, doctor warns E013 and says the flasher goes through the ROM by itself', async () => {
  const [a, b] = await Promise.all([serve({ chip: 'esp32s3', identity: { secureDownload: true }, stubImage: undefined }), serve({ chip: 'esp32s3', identity: { secureDownload: true }, stubImage: undefined })]);
  const [detect, doctor] = await Promise.all([
    runCli(['detect', '--json', '--port', `rfc2217://${a.host}`]),
    runCli(['doctor', '--json', '--port', `rfc2217://${b.host}`]),
  ]);
  assert.equal(detect.code, 0, detect.stderr);
  assert.equal((jsonOf(detect).result as unknown as { secureDownload: boolean }).secureDownload, true);
  assert.equal(doctor.code, 0, doctor.stderr);
  const warn = jsonOf(doctor).result?.checks.find((c) => c.code === 'E013');
  assert.equal(warn?.status, 'warn');
  assert.match(warn?.fix ?? '', /through the ROM loader by itself/);
  // The flasher falls back to the ROM on its own (test/flasher/locked-chips): no flag to tell people to pass.
  assert.doesNotMatch(warn?.fix ?? '', /--no-stub/);
  const text = await runCli(['doctor', '--port', `rfc2217://${a.host}`]);
  assert.match(text.stdout, /WARN  E013 secure-download: /);
  assert.ok(text.stdout.includes(`fix: ${warn?.fix}`));
});

/**
 * A link that garbles what the chip sends once the host asks for more than 115200 baud: the cable or
 * bridge that cannot keep up. Telnet commands pass untouched; only serial data is damaged.
 */
function garbleAboveBaud(limit: number): { fromHost: (d: Buffer) => void; toHost: (d: Buffer, send: (b: Buffer) => void) => void } {
  const decoder = new TelnetDecoder();
  let fast = false;
  let state: 'data' | 'iac' | 'sb' | 'sbIac' = 'data';
  return {
    fromHost(d) {
      for (const ev of decoder.push(new Uint8Array(d))) {
        if (ev.type === 'subnegotiation' && ev.option === COM_PORT_OPTION && ev.data[0] === ComPort.SET_BAUDRATE) {
          const baud = readBaudPayload(ev.data.subarray(1)) ?? 0;
          if (baud > 0) fast = baud > limit;
        }
      }
    },
    toHost(d, send) {
      const out = Buffer.from(d);
      for (let i = 0; i < out.length; i++) {
        const b = out[i]!;
        if (state === 'data') {
          if (b === IAC) state = 'iac';
          else if (fast) out[i] = b ^ 0x24;
        } else if (state === 'iac') state = b === SB ? 'sb' : 'data';
        else if (state === 'sb') state = b === IAC ? 'sbIac' : 'sb';
        else state = b === SE ? 'data' : 'sb';
      }
      send(out);
    },
  };
}

test('a link that fails at high baud: doctor --baud 921600 reports E014 and says to lower --baud', async () => {
  const { server } = await serve();
  const port = await relay(server.port, garbleAboveBaud(115200));
  const [json, text] = await Promise.all([
    runCli(['doctor', '--json', '--baud', '921600', '--port', `rfc2217://127.0.0.1:${port}`]),
    (async () => {
      const other = await serve();
      const p = await relay(other.server.port, garbleAboveBaud(115200));
      return runCli(['doctor', '--baud', '921600', '--port', `rfc2217://127.0.0.1:${p}`]);
    })(),
  ]);
  assert.equal(json.code, 3, json.stdout + json.stderr);
  const problem = jsonOf(json).result?.problems[0];
  assert.equal(problem?.code, 'E014');
  assert.match(problem?.fix ?? '', /lower --baud/);
  assert.match(text.stdout, /FAIL  E014 baud: /);
  assert.ok(text.stdout.includes(`fix: ${problem?.fix}`));

  // The same board at a rate the link carries is fine.
  const ok = await serve();
  const okPort = await relay(ok.server.port, garbleAboveBaud(460800));
  const fine = await runCli(['doctor', '--json', '--baud', '460800', '--port', `rfc2217://127.0.0.1:${okPort}`]);
  assert.equal(fine.code, 0, fine.stdout + fine.stderr);
  assert.equal(jsonOf(fine).result?.checks.find((c) => c.check === 'baud')?.status, 'ok');
});

/**
 * Late and repeated replies: the first answers arrive after the SYNC's 100 ms timeout (so they are
 * stale by the time they land), later ones 60 ms late, each SYNC reply comes twice (stale copies wait
 * in the queue when the next command is sent), and a stray reply to a command nobody sent precedes
 * the first one. A constant latency above the SYNC timeout defeats esptool too, so it is not tried.
 */
function lateAndRepeated(): { toHost: (d: Buffer, send: (b: Buffer) => void) => void; stats: { repeatedSyncReplies: number; strays: number } } {
  const stats = { repeatedSyncReplies: 0, strays: 0 };
  let pending = Buffer.alloc(0);
  let strayed = false;
  let first = true;
  const stray = Buffer.from([0xc0, 0x01, 0x0a, 0x04, 0x00, 0x83, 0x1d, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0]);
  return {
    stats,
    toHost(d, send) {
      pending = Buffer.concat([pending, d]);
      const out: Buffer[] = [];
      for (;;) {
        const start = pending.indexOf(0xc0);
        if (start < 0) {
          out.push(pending); // boot text between frames
          pending = Buffer.alloc(0);
          break;
        }
        const end = pending.indexOf(0xc0, start + 1);
        if (end < 0) {
          out.push(pending.subarray(0, start));
          pending = pending.subarray(start);
          break;
        }
        out.push(pending.subarray(0, start));
        const frame = pending.subarray(start, end + 1);
        pending = pending.subarray(end + 1);
        const isSyncReply = frame[1] === 0x01 && frame[2] === 0x08;
        if (isSyncReply && !strayed) {
          strayed = true;
          stats.strays++;
          out.push(stray);
        }
        out.push(frame);
        if (isSyncReply) {
          out.push(frame);
          stats.repeatedSyncReplies++;
        }
      }
      const chunk = Buffer.concat(out);
      const delay = first ? 130 : 60;
      first = false;
      if (chunk.length) setTimeout(() => send(chunk), delay);
    },
  };
}

test('late, repeated and stray replies still connect: detect identifies the chip', async () => {
  const { server } = await serve({ bootMode: 'download' });
  const link = lateAndRepeated();
  const port = await relay(server.port, link);
  const run = await runCli(['detect', '--json', '--port', `socket://127.0.0.1:${port}`]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const result = jsonOf(run).result as unknown as { chip: string; mac: string };
  assert.equal(result.chip, 'ESP32');
  assert.equal(link.stats.strays, 1);
  assert.ok(link.stats.repeatedSyncReplies >= 8, 'every SYNC reply came twice');
  assert.match(result.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
});
