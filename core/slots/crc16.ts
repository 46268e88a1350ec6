/**
 * CRC16 as Redis Cluster uses it to map keys to hash slots.
 *
 * Redis Cluster specification, "Keys distribution model": the variant is CRC-16/XMODEM
 * (also known as CCITT/ZMODEM): width 16, polynomial 0x1021, initial value 0x0000, input and
 * output not reflected, no final XOR. Its check value (the CRC of the ASCII bytes "123456789")
 * is 0x31C3.
 *
 * Table-driven, one byte per step: the table is the CRC of every byte value shifted into the
 * top of the register, precomputed once at load and never written afterwards.
 */

const POLYNOMIAL = 0x1021;

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ POLYNOMIAL) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
}

/** CRC16/XMODEM of every byte value; a constant table. */
export const CRC16_TABLE: Readonly<Uint16Array> = buildTable();

/** Stateless, so one shared instance is as good as a fresh one per call. */
const utf8 = new TextEncoder();

/** Continues a CRC16/XMODEM register `crc` over `bytes[start..end)`. */
function crc16Update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  const table = CRC16_TABLE;
  for (let i = start; i < end; i++) {
    // Both indexes are < 256 by construction, so the lookups never miss.
    crc = ((crc << 8) ^ table[((crc >>> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  }
  return crc;
}

/** CRC16/XMODEM of `bytes[start..end)` (the whole array by default). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16Update(0, bytes, start, end);
}

/**
 * CRC16/XMODEM of the UTF-8 encoding of `text.slice(start, end)`, exactly as
 * `crc16(new TextEncoder().encode(text.slice(start, end)))` (lone surrogates become U+FFFD).
 *
 * Keys are nearly always ASCII, where a UTF-16 code unit and its UTF-8 byte coincide; so the
 * loop hashes code units directly and allocates nothing until it meets the first code unit
 * >= 0x80, then encodes only the rest of the text and carries on from the same register.
 */
export function crc16OfString(text: string, start = 0, end = text.length): number {
  const table = CRC16_TABLE;
  let crc = 0;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) {
      // A surrogate pair never starts before `i` here: every earlier unit was ASCII.
      const rest = utf8.encode(text.slice(i, end));
      return crc16Update(crc, rest, 0, rest.length);
    }
    crc = ((crc << 8) ^ table[(crc >>> 8) ^ unit]!) & 0xffff;
  }
  return crc;
}
