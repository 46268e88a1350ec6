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

/** CRC16/XMODEM of `bytes[start..end)` (the whole array by default). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = CRC16_TABLE;
  let crc = 0;
  for (let i = start; i < end; i++) {
    // Both indexes are < 256 by construction, so the lookups never miss.
    crc = ((crc << 8) ^ table[((crc >>> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  }
  return crc;
}

/**
 * CRC16/XMODEM of the UTF-8 encoding of `text.slice(start, end)`: exactly
 * `crc16(new TextEncoder().encode(text.slice(start, end)))`, lone surrogates included (they
 * encode as U+FFFD, as TextEncoder does), but without allocating: keys are hashed on every
 * routed command, and encoding each into a fresh Uint8Array would cost more than the CRC.
 * ASCII code units, nearly all of any real key, take the first branch.
 */
export function crc16OfString(text: string, start = 0, end = text.length): number {
  const table = CRC16_TABLE;
  let crc = 0;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      crc = ((crc << 8) ^ table[(crc >>> 8) ^ unit]!) & 0xffff;
    } else if (unit < 0x800) {
      crc = crcByte(crc, 0xc0 | (unit >>> 6));
      crc = crcByte(crc, 0x80 | (unit & 0x3f));
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1))) {
      const codePoint = 0x10000 + ((unit - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00);
      i++;
      crc = crcByte(crc, 0xf0 | (codePoint >>> 18));
      crc = crcByte(crc, 0x80 | ((codePoint >>> 12) & 0x3f));
      crc = crcByte(crc, 0x80 | ((codePoint >>> 6) & 0x3f));
      crc = crcByte(crc, 0x80 | (codePoint & 0x3f));
    } else {
      // A BMP character, or a lone surrogate, which UTF-8 encoders replace with U+FFFD.
      const codePoint = unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit;
      crc = crcByte(crc, 0xe0 | (codePoint >>> 12));
      crc = crcByte(crc, 0x80 | ((codePoint >>> 6) & 0x3f));
      crc = crcByte(crc, 0x80 | (codePoint & 0x3f));
    }
  }
  return crc;
}

/** One byte into the register. */
function crcByte(crc: number, byte: number): number {
  return ((crc << 8) ^ CRC16_TABLE[(crc >>> 8) ^ byte]!) & 0xffff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
