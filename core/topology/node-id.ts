/**
 * Cluster node ids, as Redis Cluster makes them: 40 random hex characters (160 bits), chosen
 * once when the node is created and never changed (Redis Cluster specification, "Nodes").
 *
 * Named ClusterNodeId so it is never confused with the simulator's NodeId ("n1", "n2"): a
 * simulated host keeps its name across restarts, while its cluster id lives in its config.
 */

export type ClusterNodeId = string;

export const NODE_ID_LENGTH = 40;

const HEX_DIGITS = '0123456789abcdef';
const NODE_ID_PATTERN = /^[0-9a-f]{40}$/;

/**
 * A fresh node id from the caller's PRNG (uniform in [0, 1)): one draw per hex digit, so the
 * same stream always yields the same id. Core code never reads a global random source.
 */
export function generateNodeId(random: () => number): ClusterNodeId {
  let id = '';
  for (let i = 0; i < NODE_ID_LENGTH; i++) {
    const draw = random();
    if (!(draw >= 0 && draw < 1)) throw new RangeError(`random() must be in [0, 1), got ${draw}`);
    id += HEX_DIGITS[Math.floor(draw * 16)];
  }
  return id;
}

/** 40 lowercase hex characters. */
export function isValidNodeId(id: string): boolean {
  return NODE_ID_PATTERN.test(id);
}
