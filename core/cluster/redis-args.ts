/**
 * Argument parsing the way Redis does it, so that the same input is accepted or refused with the
 * same words.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A signed 64-bit integer as Redis's string2ll accepts it: optional "-", then digits without
 * leading zeros ("0" alone is fine; "-0", "+1", "01", " 1", "1.0", "" are not), within
 * [-2^63, 2^63-1]. Returns null otherwise. Values beyond 2^53 come back rounded, which no caller
 * here can tell apart (slots, counts, ports, db numbers and timeouts are all far smaller).
 */
export function parseRedisInteger(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text) || text.length > 20) return null;
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) return null;
  return Number(value);
}

/** "value is not an integer or out of range": Redis's shared error for a bad integer argument. */
export const NOT_AN_INTEGER = 'value is not an integer or out of range';

/** Redis's shared.syntaxerr. */
export const SYNTAX_ERROR = 'syntax error';
