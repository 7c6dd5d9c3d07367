import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { echoApp, serveBoard } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { pyserialMissing, runPython } from '../../harness/pyserial.js';

const onCleanup = cleanupAfterAll();
const missing = pyserialMissing();

/**
 * The board's RFC 2217 server with the client esptool uses: pyserial's rfc2217:// (serial/rfc2217.py).
 * Its Serial reports the modem lines only after the server has sent NOTIFY_MODEMSTATE at least once
 * ("remote sends no NOTIFY_MODEMSTATE" otherwise); pyserial's own server sends one as soon as the client
 * agrees on COM-PORT-OPTION, and esptool's esp_rfc2217_server (a pyserial PortManager with an
 * rfc2217:// port behind it) reads them, so a chained server fails without it.
 */
describe('RFC 2217 server with pyserial', { skip: missing }, () => {
  it('NOTIFY_MODEMSTATE after negotiation: pyserial reads CTS/DSR/RI/CD without polling', async () => {
    const board = new VirtualBoard({ chip: 'esp32', bootMode: 'download', app: echoApp });
    const server = await serveBoard(board, onCleanup);
    const run = await runPython(
      [
        'import serial',
        `s = serial.serial_for_url("rfc2217://127.0.0.1:${server.port}", baudrate=115200, timeout=2)`,
        'print("lines", int(s.cts), int(s.dsr), int(s.ri), int(s.cd))',
        's.close()',
      ].join('\n'),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^lines 0 0 0 0$/m);
  });
});
