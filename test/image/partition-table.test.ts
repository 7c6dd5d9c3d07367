import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isUpyflashError } from '../../src/errors.js';
import { encodePartitionTable, parsePartitionTable, partitionsEnd, type PartitionSpec } from '../../src/image/index.js';

const OTA_LAYOUT: PartitionSpec[] = [
  { label: 'nvs', type: 1, subtype: 0x02, offset: 0x9000, size: 0x4000 },
  { label: 'otadata', type: 1, subtype: 0x00, offset: 0xd000, size: 0x2000 },
  { label: 'phy_init', type: 1, subtype: 0x01, offset: 0xf000, size: 0x1000 },
  { label: 'ota_0', type: 0, subtype: 0x10, offset: 0x10000, size: 0x180000 },
  { label: 'ota_1', type: 0, subtype: 0x11, offset: 0x190000, size: 0x180000 },
  { label: 'vfs', type: 1, subtype: 0x81, offset: 0x310000, size: 0xf0000, flags: 1 },
];

/** An entry laid out by hand, as gen_esp32part.py's struct '<2sBBLL16sL'. */
function entry(p: PartitionSpec): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0xaa;
  b[1] = 0x50;
  b[2] = p.type;
  b[3] = p.subtype;
  b.writeUInt32LE(p.offset, 4);
  b.writeUInt32LE(p.size, 8);
  b.write(p.label, 12, 'latin1');
  b.writeUInt32LE(p.flags ?? 0, 28);
  return b;
}

describe('partition table', () => {
  it('encodes entries, the MD5 entry and 0xFF padding like gen_esp32part.py', () => {
    const bin = encodePartitionTable(OTA_LAYOUT);
    assert.equal(bin.length, 0xc00);
    const entries = Buffer.concat(OTA_LAYOUT.map(entry));
    assert.deepEqual(Buffer.from(bin.subarray(0, entries.length)), entries);
    const md5At = entries.length;
    assert.deepEqual([...bin.subarray(md5At, md5At + 16)], [0xeb, 0xeb, ...Array<number>(14).fill(0xff)]);
    assert.equal(Buffer.from(bin.subarray(md5At + 16, md5At + 32)).toString('hex'), createHash('md5').update(entries).digest('hex'));
    assert.ok(bin.subarray(md5At + 32).every((b) => b === 0xff));
  });

  it('parses entries back with type and subtype names', () => {
    const parts = parsePartitionTable(encodePartitionTable(OTA_LAYOUT));
    assert.deepEqual(
      parts.map((p) => `${p.label}:${p.typeName}/${p.subtypeName}@${p.offset.toString(16)}+${p.size.toString(16)}:${p.flags}`),
      ['nvs:data/nvs@9000+4000:0', 'otadata:data/ota@d000+2000:0', 'phy_init:data/phy@f000+1000:0', 'ota_0:app/ota_0@10000+180000:0', 'ota_1:app/ota_1@190000+180000:0', 'vfs:data/fat@310000+f0000:1'],
    );
    assert.equal(partitionsEnd(parts), 0x400000);
  });

  it('names unknown types and subtypes by number', () => {
    const [p] = parsePartitionTable(encodePartitionTable([{ label: 'custom', type: 0x40, subtype: 0x07, offset: 0x9000, size: 0x1000 }]));
    assert.equal(p!.typeName, '0x40');
    assert.equal(p!.subtypeName, '0x07');
  });

  it('refuses a table whose MD5 does not match, giving both digests', () => {
    const bin = encodePartitionTable(OTA_LAYOUT);
    bin[4 + 32 * 3] ^= 0x01; // ota_0 offset
    assert.throws(() => parsePartitionTable(bin), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'NOT_AN_IMAGE'));
      assert.match(e.message, /MD5 mismatch: stored [0-9a-f]{32}, computed [0-9a-f]{32}/);
      return true;
    });
  });

  it('accepts a table without an MD5 entry (older ESP-IDF)', () => {
    const bin = Buffer.alloc(0xc00, 0xff);
    Buffer.concat(OTA_LAYOUT.slice(0, 2).map(entry)).copy(bin);
    assert.equal(parsePartitionTable(bin).length, 2);
  });

  it('refuses garbage entries and tables cut short', () => {
    const bin = encodePartitionTable(OTA_LAYOUT);
    bin[32] = 0x12;
    assert.throws(() => parsePartitionTable(bin), /entry 1 does not start with AA 50/);
    const full = Buffer.alloc(0xc00, 0);
    Buffer.concat(Array.from({ length: 96 }, () => entry(OTA_LAYOUT[0]!))).copy(full);
    assert.throws(() => parsePartitionTable(full.subarray(0, 0x100)), { kind: 'TRUNCATED_IMAGE' });
  });
});
