/**
 * SWIM membership and failure detection with Lifeguard, an authenticated binary wire format, and
 * the small math of both. See node.ts for the protocol (and the files it is made of), wire.ts for
 * the format, auth.ts for the HMAC, lifeguard.ts for the formulas.
 */
export * from './node.ts';
export * from './wire.ts';
export * from './auth.ts';
export * from './lifeguard.ts';
export * from './nested.ts';
