import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelnetOptions } from '../../src/transport/telnet-options.js';
import { BINARY, COM_PORT_OPTION, DO, DONT, SGA, WILL, WONT } from '../../src/transport/rfc2217-codec.js';

const ECHO = 1;
const bytes = (b: Uint8Array | undefined) => (b ? [...b] : undefined);

test('an answer to our request is not answered again', () => {
  const o = new TelnetOptions(new Set([BINARY, SGA, COM_PORT_OPTION]));
  assert.deepEqual([...o.request(WILL, COM_PORT_OPTION)], [255, WILL, COM_PORT_OPTION]);
  assert.equal(o.ourState(COM_PORT_OPTION), 'requested');
  assert.equal(o.receive(DO, COM_PORT_OPTION), undefined);
  assert.equal(o.ourState(COM_PORT_OPTION), 'active');
});

test('unrequested offers of supported options are accepted once, unsupported ones refused', () => {
  const o = new TelnetOptions(new Set([BINARY, SGA]));
  assert.deepEqual(bytes(o.receive(WILL, BINARY)), [255, DO, BINARY]);
  assert.equal(o.theirState(BINARY), 'active');
  assert.equal(o.receive(WILL, BINARY), undefined);
  assert.deepEqual(bytes(o.receive(DO, SGA)), [255, WILL, SGA]);
  assert.deepEqual(bytes(o.receive(WILL, ECHO)), [255, DONT, ECHO]);
  assert.deepEqual(bytes(o.receive(DO, ECHO)), [255, WONT, ECHO]);
});

test('a refusal of a request ends it quietly; turning off an active option is acknowledged', () => {
  const o = new TelnetOptions(new Set([COM_PORT_OPTION, SGA]));
  o.request(WILL, COM_PORT_OPTION);
  assert.equal(o.receive(DONT, COM_PORT_OPTION), undefined);
  assert.equal(o.ourState(COM_PORT_OPTION), 'inactive');
  o.receive(WILL, SGA);
  assert.deepEqual(bytes(o.receive(WONT, SGA)), [255, DONT, SGA]);
  assert.equal(o.theirState(SGA), 'inactive');
});
