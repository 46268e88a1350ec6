/**
 * CRC-32 (IEEE 802.3; reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), the checksum
 * of zlib, PNG and most write-ahead logs. Table-driven, one byte per step. `crc32String` encodes its
 * argument as UTF-8 on the fly, so a record's checksum never depends on how JavaScript stores strings.
 *
 * Node 20's `zlib.crc32` only exists from 20.15 on, so the project keeps its own.
 */

const TABLE: Readonly<Uint32Array> = makeTable();

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function update(crc: number, byte: number): number {
  return (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
}

/** CRC-32 of raw bytes, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = update(crc, bytes[i] as number);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of the UTF-8 encoding of `text` (lone surrogates become U+FFFD, as TextEncoder does). */
export function crc32String(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      crc = update(crc, code);
      continue;
    }
    if (code < 0x800) {
      crc = update(crc, 0xc0 | (code >> 6));
      crc = update(crc, 0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        crc = update(crc, 0xf0 | (code >> 18));
        crc = update(crc, 0x80 | ((code >> 12) & 0x3f));
        crc = update(crc, 0x80 | ((code >> 6) & 0x3f));
        crc = update(crc, 0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    crc = update(crc, 0xe0 | (code >> 12));
    crc = update(crc, 0x80 | ((code >> 6) & 0x3f));
    crc = update(crc, 0x80 | (code & 0x3f));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The checksum as 8 lowercase hex digits, the form written in front of every durable record. */
export function crc32Hex(text: string): string {
  return crc32String(text).toString(16).padStart(8, '0');
}
