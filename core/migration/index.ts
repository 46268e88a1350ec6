/**
 * Live slot migration: the data a node holds (a key-value store per slot with its key index),
 * MOVED/ASK routing over the committed configuration, and the source and target sides of moving
 * a slot range. See docs/cluster.md.
 */
export * from './store.ts';
export * from './routing.ts';
export * from './source.ts';
export * from './target.ts';
