/**
 * amaters log integrity: entries sealed with AES-256-GCM and HMAC-SHA256 (deterministic IVs from
 * term and index), authenticated frames, and a primary-to-replicas log that verifies every entry
 * it takes from the network or its disk. See seal.ts, frame.ts, log.ts.
 */
export * from './seal.ts';
export * from './frame.ts';
export * from './log.ts';
