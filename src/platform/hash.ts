import { md5 as nobleMd5 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * Synchronous digests that run the same in Node and in the browser (SubtleCrypto has no MD5 and is
 * async only). MD5 is what the loaders compute; SHA-256 is what ESP images append.
 */
export function md5(data: Uint8Array): Uint8Array {
  return nobleMd5(data);
}

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
