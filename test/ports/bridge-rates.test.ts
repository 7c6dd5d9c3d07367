import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BRIDGE_RATE_FACTS,
  ESP_CANDIDATE_BAUDS,
  USB_BRIDGES,
  bestBaudFor,
  bridgeFor,
  bridgeRateFacts,
  bridgeRateFactsById,
  describePort,
} from '../../src/index.js';

const cp210x = bridgeFor(0x10c4, 0xea60)!;

test('every part names its source, and every trusted rate is within the datasheet figure', () => {
  for (const f of BRIDGE_RATE_FACTS) {
    assert.ok(f.source.length > 20, `${f.part} has no source`);
    for (const id of f.bridgeIds) assert.ok(USB_BRIDGES.some((b) => b.id === id), `${f.part}: unknown bridge ${id}`);
    if (f.reliableMaxBaud === 'native') assert.equal(f.datasheetMaxBaud, undefined);
    else assert.ok(f.datasheetMaxBaud !== undefined && f.reliableMaxBaud <= f.datasheetMaxBaud, f.part);
    // A trusted rate below the datasheet's is a field report: it must say what was seen.
    if (typeof f.reliableMaxBaud === 'number' && f.reliableMaxBaud < f.datasheetMaxBaud! && f.part !== 'cp2102') {
      assert.ok(f.observed, `${f.part} is trusted below its datasheet without an observation`);
    }
  }
});

test('CH340: documented 2 Mbaud, trusted to 460800; candidates never include 921600', () => {
  const ch340 = bridgeRateFactsById('ch340')!;
  assert.equal(ch340.datasheetMaxBaud, 2_000_000);
  assert.equal(ch340.reliableMaxBaud, 460_800);
  assert.match(ch340.observed ?? '', /esptool#435/);
  assert.deepEqual(bestBaudFor(bridgeFor(0x1a86, 0x7523)), [460_800, 230_400, 115_200]);
  assert.deepEqual(bestBaudFor('ch340'), [460_800, 230_400, 115_200]);
});

test('CP210x: the product string tells CP2102N, CP2104 and CP2102 apart (they share 10c4:ea60)', () => {
  assert.equal(bridgeRateFacts(cp210x, 'CP2102N USB to UART Bridge Controller')?.part, 'cp2102n');
  assert.equal(bridgeRateFacts(cp210x, 'CP2104 USB to UART Bridge Controller')?.part, 'cp2104');
  assert.equal(bridgeRateFacts(cp210x, 'CP2102 USB to UART Bridge Controller')?.part, 'cp2102');
  // No product string: the oldest part's limit, which the newer ones also carry.
  assert.equal(bridgeRateFacts(cp210x)?.part, 'cp2102');
  assert.deepEqual(bestBaudFor(cp210x), [921_600, 460_800, 230_400, 115_200]);
  assert.deepEqual(bestBaudFor(cp210x, 'CP2102N USB to UART Bridge Controller'), [3_000_000, 2_000_000, 1_500_000, 921_600, 460_800, 230_400, 115_200]);
  assert.deepEqual(bestBaudFor(cp210x, 'CP2104 USB to UART Bridge Controller'), [2_000_000, 1_500_000, 921_600, 460_800, 230_400, 115_200]);
});

test('fast parts get every candidate they carry, fastest first; 115200 is always the last fallback', () => {
  for (const part of ['ch343', 'ch9102'] as const) {
    const rates = bestBaudFor(part);
    assert.notEqual(rates, 'native');
    assert.deepEqual(rates, [...ESP_CANDIDATE_BAUDS].reverse(), part);
  }
  // FT232R: 3 Mbaud at most (its data sheet), so 4 Mbaud is not offered.
  assert.deepEqual(bestBaudFor('ft232r'), [...ESP_CANDIDATE_BAUDS].filter((b) => b <= 3_000_000).reverse());
  for (const f of BRIDGE_RATE_FACTS) {
    const rates = bestBaudFor(f);
    if (rates === 'native') continue;
    assert.equal(rates.at(-1), 115_200, f.part);
    for (let i = 1; i < rates.length; i++) assert.ok(rates[i - 1]! > rates[i]!, `${f.part} not fastest first`);
  }
});

test('Espressif native USB: the rate is irrelevant', () => {
  assert.equal(bestBaudFor(bridgeFor(0x303a, 0x1001)), 'native');
  assert.equal(bestBaudFor(bridgeFor(0x303a, 0x0002)), 'native');
  assert.equal(bestBaudFor('native'), 'native');
});

test('an unknown bridge gets only the rates every listed part carries', () => {
  assert.deepEqual(bestBaudFor(undefined), [460_800, 230_400, 115_200]);
  // describePort -> bridge -> rates: the path a --baud auto caller takes from a listed port.
  const port = describePort({ path: '/dev/ttyUSB0', vid: '10c4', pid: 'ea60', product: 'CP2102N USB to UART Bridge Controller' });
  assert.equal(bestBaudFor(port.bridge, port.product)[0], 3_000_000);
});
