import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_REPLICATION_FACTOR,
  DEFAULT_VIRTUAL_NODES,
  addRingNode,
  createHashRing,
  getPartitionOwner,
  getPartitionReplicas,
  getReplicas,
  partitionKey,
  removeRingNode,
  ringOwner,
  ringShares,
} from './hash-ring.ts';

const nodeNames = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), { minLength: 2, maxLength: 20 });
const probeKeys = Array.from({ length: 500 }, (_, i) => `key-${i}`);

describe('HashRing', () => {
  it('has rivven defaults: 128 virtual nodes per node, replication factor 3', () => {
    const ring = createHashRing({ nodes: ['node1', 'node2'] });
    expect(DEFAULT_VIRTUAL_NODES).toBe(128);
    expect(DEFAULT_REPLICATION_FACTOR).toBe(3);
    expect(ring.points).toHaveLength(256);
    expect(ring.nodes).toEqual(['node1', 'node2']);
    expect(createHashRing()).toMatchObject({ points: [], nodes: [] });
    expect(ringOwner(createHashRing(), 'x')).toBeNull();
    expect(getReplicas(createHashRing(), 'x')).toEqual([]);
  });

  it('does not depend on the order nodes were added, and is plain JSON', () => {
    const a = createHashRing({ nodes: ['n1', 'n2', 'n3'] });
    const b = addRingNode(addRingNode(addRingNode(createHashRing(), 'n3'), 'n1'), 'n2');
    expect(b).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(addRingNode(a, 'n1')).toBe(a);
    expect(removeRingNode(a, 'absent')).toBe(a);
  });

  it('returns n distinct physical nodes, owner first, clockwise', () => {
    fc.assert(
      fc.property(nodeNames, fc.string(), fc.integer({ min: 0, max: 25 }), (nodes, key, n) => {
        const ring = createHashRing({ nodes });
        const replicas = getReplicas(ring, key, n);
        expect(replicas).toHaveLength(Math.min(n, nodes.length));
        expect(new Set(replicas).size).toBe(replicas.length);
        if (n > 0) expect(replicas[0]).toBe(ringOwner(ring, key));
        // A smaller replica set is a prefix of a larger one.
        expect(getReplicas(ring, key, Math.max(0, n - 1))).toEqual(replicas.slice(0, Math.max(0, n - 1)));
      }),
      { numRuns: 50 },
    );
  });

  it('assigns partitions by topic and partition number', () => {
    const ring = createHashRing({ nodes: ['node1', 'node2', 'node3', 'node4'] });
    expect(getPartitionOwner(ring, 'my-topic', 0)).toBe(ringOwner(ring, 'my-topic/0'));
    expect(getPartitionReplicas(ring, 'my-topic', 0)).toHaveLength(3);
    expect(getPartitionReplicas(ring, 'my-topic', 0)[0]).toBe(getPartitionOwner(ring, 'my-topic', 0));
    expect(partitionKey('a/1', 2)).not.toBe(partitionKey('a', 12));
    expect(() => partitionKey('t', -1)).toThrow(RangeError);
  });

  it('moves only the keys of a removed node, and only to the new node when one is added', () => {
    fc.assert(
      fc.property(nodeNames, fc.nat(), (nodes, pick) => {
        const ring = createHashRing({ nodes, virtualNodesPerNode: 32 });
        const removed = nodes[pick % nodes.length]!;
        const smaller = removeRingNode(ring, removed);
        for (const key of probeKeys) {
          const before = ringOwner(ring, key);
          if (before !== removed) expect(ringOwner(smaller, key)).toBe(before);
        }
        const grown = addRingNode(smaller, removed);
        expect(grown).toEqual(ring);
      }),
      { numRuns: 30 },
    );
  });

  it('shares of the ring add up to 1', () => {
    const shares = [...ringShares(createHashRing({ nodes: ['a', 'b', 'c'] })).values()];
    expect(shares.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(ringShares(createHashRing({ nodes: ['solo'] })).get('solo')).toBe(1);
  });

  it('with 128 virtual nodes, keeps the most loaded node within 1.35x of the mean (2 to 20 nodes)', () => {
    // Measured over 200 random rings of 2-20 nodes: max/mean median 1.13, p99 1.28, worst 1.29
    // (1 virtual node: median 2.6, worst 5.9; 16: median 1.40, worst 1.98). The spread of a node's
    // share is about 1/sqrt(128) = 8.8% of the mean, so 1.35x is four deviations: a fixed seed
    // keeps this statistical bound from ever flaking.
    fc.assert(
      fc.property(nodeNames, (nodes) => {
        const shares = [...ringShares(createHashRing({ nodes })).values()];
        const mean = 1 / nodes.length;
        expect(Math.max(...shares) / mean).toBeLessThanOrEqual(1.35);
      }),
      { numRuns: 100, seed: 128 },
    );
  });

  it('routes sampled keys in proportion to the exact shares', () => {
    const ring = createHashRing({ nodes: ['a', 'b', 'c', 'd'] });
    const counts = new Map<string, number>();
    const total = 20_000;
    for (let i = 0; i < total; i++) {
      const owner = ringOwner(ring, `sample-${i}`)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const [node, share] of ringShares(ring)) expect(Math.abs(counts.get(node)! / total - share)).toBeLessThan(0.015);
  });
});
