import type { ChipId } from '../../chips/types.js';
import { sha256, toHex } from '../../platform/hash.js';
import { writeU32 } from '../../platform/bytes.js';
import { FLASHER_STUB_V1_0, FLASHER_STUB_V1_2, LEGACY_STUB, type StubFamily } from './stub-families.js';

/**
 * Espressif flasher stubs the board recognises when a client uploads one, by digest. The board cannot
 * run Xtensa or RISC-V code, so the digest says which family's behaviour to emulate. Kept as data:
 * adding a stub release is one line. The digest covers the entry point and every uploaded RAM segment
 * (address, length, bytes, in address order): see uploadDigest().
 *
 * Sources: the esptool-js 0.7.0 npm package's lib/targets/stub_flasher/<chip>.json (checked against
 * the installed package by test/virtual-board/stub-recognition.test.ts), and the text/data segments in
 * the MEM_DATA frames of shared/traces esp32-legacystub-write / -read (esptool v4.8.1) and
 * esp32-flasherstub100-write (esptool v5.3.1).
 */
export interface KnownStub {
  readonly digest: string;
  /** Chip the binary is built for (esptool-js names; not all are chips the board emulates). */
  readonly chip: ChipId | string;
  readonly source: string;
  readonly family: StubFamily;
}

const EJS = 'esptool-js 0.7.0 (esp-flasher-stub v1.2.x)';

export const KNOWN_STUBS: readonly KnownStub[] = [
  { chip: 'esp32', source: EJS, family: FLASHER_STUB_V1_2, digest: '6c3736cb9d21a781e75b23f3f010cac4130dfccf1e89207bdc43919012a458dd' },
  { chip: 'esp32c2', source: EJS, family: FLASHER_STUB_V1_2, digest: '21b7da760d8fd0c46a98b45fa5eb41e970bc9b41cbcf772078fe79f5798cce6b' },
  { chip: 'esp32c3', source: EJS, family: FLASHER_STUB_V1_2, digest: 'd3e2a5a7469e09ba39da18668a8ef867d17164766512d48068c78914aea87dd4' },
  { chip: 'esp32c5', source: EJS, family: FLASHER_STUB_V1_2, digest: 'b646a6ee4c0a798626ab94315b10790b9772aff777b8f8fd889f3389db71987e' },
  { chip: 'esp32c6', source: EJS, family: FLASHER_STUB_V1_2, digest: '137a6a18ace39342346d328f81a9b5ea318ec13864123545593ca1b27322d6a9' },
  { chip: 'esp32c61', source: EJS, family: FLASHER_STUB_V1_2, digest: 'e2ebbeb444fee11bfb27010c022ace09c7ec9dd7ce0dcbf2defa42faccafd3f3' },
  { chip: 'esp32h2', source: EJS, family: FLASHER_STUB_V1_2, digest: 'b3a18867d460d456e4db1ec9d3a97275cacf5abc0523b49a210bb38c1963d8f6' },
  { chip: 'esp32h4', source: EJS, family: FLASHER_STUB_V1_2, digest: '2aa9f6e7b4b4140b4c29ab0e7fac7431e4da840cc5bb40c27214687b4decd2c5' },
  { chip: 'esp32p4-rev1', source: EJS, family: FLASHER_STUB_V1_2, digest: '15902d851f7e992cd2115c5a57301feac1391822f3b26744a64e7102eef91733' },
  { chip: 'esp32p4', source: EJS, family: FLASHER_STUB_V1_2, digest: '367c39ca9c0df062f34b3875c48ef4c2a91b50c409f3234b91c35c398bb520ee' },
  { chip: 'esp32s2', source: EJS, family: FLASHER_STUB_V1_2, digest: '251464f6a6d35a6a713363fd8e7c8cafcf45803feb2350a33a8751e4a10727e0' },
  { chip: 'esp32s3', source: EJS, family: FLASHER_STUB_V1_2, digest: '74c1d6d84dd49b4f6fdfc386c55323a9f12fa6cf5b3a3a38605e9fbe4a174f53' },
  { chip: 'esp32s31', source: EJS, family: FLASHER_STUB_V1_2, digest: '17e7bccd811dd5711c696486120be6be30259d2d3f42e87025d9c52738d9853b' },
  { chip: 'esp8266', source: EJS, family: FLASHER_STUB_V1_2, digest: '3a8b3cc57839c0f4a2918ce189a8c9287aa028e8ad4997281184be4dfc9f6889' },
  {
    chip: 'esp32',
    source: 'esptool v4.8.1 default stub (legacy stub_flasher.c), traces/esp32-legacystub-write',
    family: LEGACY_STUB,
    digest: '31bb1cc9f1ca5384dc38940027783786e9c9ad5f667011825f8e89c7c62588d4',
  },
  {
    chip: 'esp32',
    source: 'esptool v5.3.1 default stub (esp-flasher-stub v1.0.0), traces/esp32-flasherstub100-write',
    family: FLASHER_STUB_V1_0,
    digest: '30f34c782617a59f8ec9f6e4c3ecae2991e39ff99658ce5e1c6b9d3d571113d2',
  },
];

export interface UploadedSegment {
  readonly address: number;
  readonly bytes: Uint8Array;
}

/** SHA-256 over u32le(entry), then per segment in address order u32le(address), u32le(length), bytes. */
export function uploadDigest(entry: number, segments: readonly UploadedSegment[]): string {
  const sorted = [...segments].sort((a, b) => (a.address >>> 0) - (b.address >>> 0));
  let total = 4;
  for (const s of sorted) total += 8 + s.bytes.length;
  const buf = new Uint8Array(total);
  writeU32(buf, 0, entry >>> 0);
  let at = 4;
  for (const s of sorted) {
    writeU32(buf, at, s.address >>> 0);
    writeU32(buf, at + 4, s.bytes.length);
    buf.set(s.bytes, at + 8);
    at += 8 + s.bytes.length;
  }
  return toHex(sha256(buf));
}

/** The known stub with this digest built for `chip`, if any. */
export function knownStub(digest: string, chip: ChipId): KnownStub | undefined {
  return KNOWN_STUBS.find((k) => k.digest === digest && k.chip === chip);
}
