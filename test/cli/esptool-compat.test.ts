import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { translateEsptoolArgv } from '../../src/cli/esptool-compat.js';
import { isUpyflashError } from '../../src/errors.js';

const t = (line: string) => translateEsptoolArgv(line.split(/\s+/).filter(Boolean));

describe('esptool command lines', () => {
  it("MicroPython's guide line: globals move behind the verb, -z is dropped with a note", () => {
    const r = t('--chip esp32 --port /dev/ttyUSB0 --baud 460800 write_flash -z 0x1000 esp32-20220618-v1.19.1.bin');
    assert.deepEqual(r.argv, ['flash', '0x1000', 'esp32-20220618-v1.19.1.bin', '--chip', 'esp32', '--port', '/dev/ttyUSB0', '--baud', '460800']);
    assert.deepEqual(r.notes, ['-z: ignored (upyflash always compresses)']);
  });

  it('make deploy: three pairs, flash settings in both spellings, no_reset values', () => {
    const r = t('-p /dev/ttyACM0 -b 460800 --before default_reset --after no_reset write-flash --flash_mode dio --flash-size 4MB -ff 80m -e 0x0 b.bin 0x8000 p.bin 0x10000 m.bin');
    assert.deepEqual(r.argv, [
      'flash', '--flash-mode', 'dio', '--flash-size', '4MB', '--flash-freq', '80m', '--erase', '0x0', 'b.bin', '0x8000', 'p.bin', '0x10000', 'm.bin',
      '--port', '/dev/ttyACM0', '--baud', '460800', '--before', 'default-reset', '--after', 'no-reset',
    ]);
  });

  it('each verb maps onto ours', () => {
    assert.deepEqual(t('erase_flash').argv, ['erase']);
    assert.deepEqual(t('erase_region 0x200000 0x10000').argv, ['erase-region', '0x200000', '0x10000']);
    assert.deepEqual(t('read_flash 0 ALL out.bin').argv, ['read-flash', '0', 'all', 'out.bin']);
    assert.deepEqual(t('verify_flash --diff yes 0x10000 m.bin').argv, ['verify', 'm.bin', '--addr', '0x10000']);
    assert.deepEqual(t('chip_id').argv, ['detect']);
    assert.deepEqual(t('flash-id').argv, ['detect']);
    assert.deepEqual(t('read_mac').argv, ['read-mac']);
    assert.deepEqual(t('--port x image_info --version 2 f.bin').argv, ['image-info', 'f.bin']);
    assert.deepEqual(t('--chip esp32 merge_bin -o out.bin --flash_mode dio --fill_flash_size 4MB -t 0 0x1000 b.bin').argv, [
      'merge-bin', '--output', 'out.bin', '--flash-mode', 'dio', '--fill-flash-size', '4MB', '--target-offset', '0', '0x1000', 'b.bin', '--chip', 'esp32',
    ]);
  });

  it('maps or refuses the reset modes esptool has and we do not', () => {
    const soft = t('--after soft_reset chip_id');
    assert.deepEqual(soft.argv, ['detect', '--after', 'hard-reset']);
    assert.match(soft.notes[0]!, /soft_reset: mapped to hard_reset/);
    assert.deepEqual(t('--after no_reset_stub erase_flash').argv, ['erase', '--after', 'no-reset']);
    assert.throws(() => t('--before no_reset_no_sync erase_flash'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT') && /no_reset_no_sync/.test(e.message));
    assert.throws(() => t('write_flash --encrypt 0x1000 x.bin'), /encrypted/);
    assert.throws(() => t('elf2image app.elf'), /elf2image is not an upyflash verb/);
    assert.throws(() => t('merge_bin --format hex -o x 0x0 a.bin'), /raw images only/);
  });

  it('leaves our own command lines alone, except esptool spellings of --before/--after', () => {
    assert.deepEqual(t('flash fw.bin --port x').argv, ['flash', 'fw.bin', '--port', 'x']);
    assert.deepEqual(t('--help').argv, ['--help']);
    assert.deepEqual(t('detect --before no_reset --after=no_reset').argv, ['detect', '--before', 'no-reset', '--after=no-reset']);
    assert.deepEqual(t('fs ls').argv, ['fs', 'ls']);
    assert.deepEqual(t('run main.py --port x').argv, ['run', 'main.py', '--port', 'x']);
    assert.deepEqual(t('read-flash 0 all out.bin --port x -b 115200').argv, ['read-flash', '0', 'all', 'out.bin', '--port', 'x', '-b', '115200']);
  });
});
