import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultRun } from '../../bench/fault-run.js';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';

/**
 * Issue 3's fault run: RUNS flashes through the library API over a line that corrupts 1e-4 of the
 * host->chip bytes, plus one run whose cable is pulled mid-write; every verdict is checked against the
 * board's own flash. Runs are mostly waiting (reset pulses, baud settling, timeouts), so eight boards
 * are flashed at once: the full 200 take about 25 s on a 2-core machine.
 */
const RUNS = 200;
const CONCURRENCY = 8;
const image = buildSampleFirmware({ chip: ESP32, appBytes: 60_000 });

test(`${RUNS} flashes at 1e-4 byte errors plus one disconnect: no false success, at least 99 % succeed`, async () => {
  const summary = await faultRun(image, { runs: RUNS, disconnects: 1, byteErrorRate: 1e-4, concurrency: CONCURRENCY });
  for (const o of summary.outcomes) {
    if (o.reportedSuccess) assert.ok(o.flashMatches, `seed ${o.seed} reported success but the flash differs from the file`);
  }
  assert.equal(summary.falseSuccesses, 0);
  const disconnected = summary.outcomes.filter((o) => o.faults.disconnectAfterBytes !== undefined);
  assert.equal(disconnected.length, 1);
  assert.equal(disconnected[0]!.reportedSuccess, false, 'a run whose cable was pulled cannot have finished');
  assert.equal(disconnected[0]!.errorCode, 'DISCONNECTED');
  const noisy = summary.outcomes.filter((o) => o.faults.disconnectAfterBytes === undefined);
  const ok = noisy.filter((o) => o.reportedSuccess).length;
  assert.ok(ok / noisy.length >= 0.99, `${ok}/${noisy.length} noisy runs succeeded`);
  // The retries are what carried them: a 1e-4 line garbles a 16 KiB block more often than not.
  assert.ok(summary.totalRetries > 0);
});
