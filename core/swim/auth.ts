/**
 * Cluster transport authentication (ember's `auth` module): every datagram is the encoded message
 * followed by its HMAC-SHA256 under a shared cluster key, checked in constant time. node:crypto is
 * pure computation here: no I/O, no clock, no randomness.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export const MAC_BYTES = 32;

/** A cluster key from a shared secret (a string's UTF-8 bytes, or raw bytes). Must not be empty. */
export function clusterKey(secret: string | Uint8Array): KeyObject {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length === 0) throw new RangeError('clusterKey: the secret must not be empty');
  return createSecretKey(bytes);
}

/** HMAC-SHA256 of `data` under `key`: 32 bytes. */
export function sign(key: KeyObject, data: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(data).digest();
}

/** Whether `mac` is the HMAC-SHA256 of `data` under `key`, compared in constant time. */
export function verify(key: KeyObject, data: Uint8Array, mac: Uint8Array): boolean {
  if (mac.length !== MAC_BYTES) return false;
  const expected = createHmac('sha256', key).update(data).digest();
  return timingSafeEqual(expected, mac);
}

/** `payload` followed by its MAC. */
export function seal(key: KeyObject, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + MAC_BYTES);
  frame.set(payload, 0);
  frame.set(sign(key, payload), payload.length);
  return frame;
}

export type UnsealError = { readonly kind: 'truncated'; readonly offset: number; readonly needed: number } | { readonly kind: 'bad-mac' };

/**
 * The payload of a sealed frame, or why the frame is refused. With `checkMac: false` the MAC is
 * stripped but not checked (the documented 'no-mac-check' bug). Never throws.
 */
export function unseal(key: KeyObject, frame: Uint8Array, checkMac = true): { ok: true; payload: Uint8Array } | { ok: false; error: UnsealError } {
  if (frame.length < MAC_BYTES) return { ok: false, error: { kind: 'truncated', offset: frame.length, needed: MAC_BYTES - frame.length } };
  const payload = frame.subarray(0, frame.length - MAC_BYTES);
  if (checkMac && !verify(key, payload, frame.subarray(frame.length - MAC_BYTES))) return { ok: false, error: { kind: 'bad-mac' } };
  return { ok: true, payload };
}
