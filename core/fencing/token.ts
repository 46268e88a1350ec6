/**
 * Fencing tokens. A token is one number: the leader's Raft term in the high part and a sequence
 * number within the term in the low part, so every leadership hands out increasing tokens and
 * every token of a later term is larger than every token of an earlier one. Raft elects at most
 * one leader per term (Election Safety), so no two leaders hand out the same token.
 * (amaters packs (term, node id) into a u64 the same way: term in the high bits.)
 */
export const TOKEN_STRIDE = 1_000_000;

export function makeToken(term: number, seq: number): number {
  if (!Number.isSafeInteger(term) || term < 0) throw new RangeError(`token term must be a non-negative integer, got ${term}`);
  if (!Number.isInteger(seq) || seq < 1 || seq >= TOKEN_STRIDE) throw new RangeError(`token sequence must be in 1..${TOKEN_STRIDE - 1}, got ${seq}`);
  return term * TOKEN_STRIDE + seq;
}

export function tokenTerm(token: number): number {
  return Math.floor(token / TOKEN_STRIDE);
}

/** "t7.3": term 7, third token of the term. */
export function formatToken(token: number): string {
  return `t${tokenTerm(token)}.${token % TOKEN_STRIDE}`;
}
