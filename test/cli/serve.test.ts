/**
 * `upyflash serve`: a port shared over RFC 2217 as a user shares one (a child process), and
 * `upyflash flash --port rfc2217://...` through it from another process, boot check included. The
 * shared port here is a virtual board (virtual:esp32), so the test needs no hardware; the server
 * treats it like any port string --port takes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startServeProcess, type BoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { ser2netMissing, startSer2net } from '../../harness/ser2net.js';

const dir = await mkdtemp(join(tmpdir(), 'upyflash-serve-'));
const fw = join(dir, 'ESP32_GENERIC-test.bin');
await writeFile(fw, buildSampleFirmware({ chip: ESP32, appBytes: 100_000 }));
const servers: BoardProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

async function serve(args: readonly string[] = []): Promise<BoardProcess> {
  const s = await startServeProcess(['virtual:esp32'], args);
  servers.push(s);
  return s;
}

/** Opens a TCP connection and reports whether the server closed it within `ms`. */
async function closedWithin(hostPort: string, ms: number): Promise<{ closed: boolean; socket: Socket }> {
  const [host, port] = hostPort.split(':');
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(Number(port), host!, () => resolve(s));
    s.once('error', reject);
  });
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { closed, socket };
}

describe('upyflash serve', () => {
  it('flash --port rfc2217:// through it writes, verifies and boot-checks the board; the log names the client', async () => {
    const s = await serve();
    const run = await runCli(['--json', 'flash', fw, '--port', s.rfc2217], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    const doc = cliJson<{ verified: boolean; bootCheck?: { running: string } }>(run);
    assert.equal(doc.ok, true);
    assert.equal(doc.result?.verified, true);
    assert.match(doc.result?.bootCheck?.running ?? '', /MicroPython v1\.\d+.* is running on/);
    assert.match(s.stderr(), /virtual:esp32: client 127\.0\.0\.1:\d+ connected/);
    assert.match(s.stderr(), /reset into download mode/);
  });

  it('through Debian ser2net in front (RFC 2217 on both sides) the same flash and boot check pass', { skip: ser2netMissing() }, async () => {
    const s = await serve();
    const bridge = await startSer2net(dir, Number(s.hostPort.split(':')[1]));
    try {
      const run = await runCli(['--json', 'flash', fw, '--port', `rfc2217://127.0.0.1:${bridge.port}`], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, describeRun(run));
      const doc = cliJson<{ verified: boolean; bootCheck?: { running: string } }>(run);
      assert.equal(doc.result?.verified, true);
      assert.match(doc.result?.bootCheck?.running ?? '', /MicroPython v1\.\d+.* is running on/);
      assert.match(s.stderr(), /reset into download mode/, 'the reset sequence crossed ser2net and was recognised behind it');
    } finally {
      await bridge.stop();
    }
  });

  it('serves one client per port: a second is refused while the first is on', async () => {
    const s = await serve();
    const first = await closedWithin(s.hostPort, 300);
    assert.equal(first.closed, false);
    // A newcomer is given 2 s for the holder to leave (a client reconnecting), then turned away.
    const second = await closedWithin(s.hostPort, 5000);
    assert.equal(second.closed, true, 'the second client is turned away');
    assert.match(s.stderr(), /refused 127\.0\.0\.1:\d+: in use by 127\.0\.0\.1:\d+/);
    first.socket.destroy();
    second.socket.destroy();
  });

  it('--allow refuses every other address', async () => {
    const s = await serve(['--allow', '192.0.2.7']);
    const c = await closedWithin(s.hostPort, 2000);
    assert.equal(c.closed, true);
    assert.match(s.stderr(), /refused 127\.0\.0\.1:\d+: not in --allow/);
    c.socket.destroy();
  });

  it('listens on 127.0.0.1 unless --bind says otherwise', async () => {
    const s = await serve();
    assert.match(s.hostPort, /^127\.0\.0\.1:/);
  });
});
