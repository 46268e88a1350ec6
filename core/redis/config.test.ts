import { describe, expect, it } from 'vitest';
import { ConfigError, buildCluster, evenClusterSpecs, parseClusterConfig } from './config.ts';

const ID = (c: string) => c.repeat(40);

describe('the cluster configuration', () => {
  it('--nodes N splits the slots as redis-cli --cluster create does', () => {
    expect(evenClusterSpecs(3).map((s) => [s.address, s.slots])).toEqual([
      ['127.0.0.1:7000', [{ start: 0, end: 5460 }]],
      ['127.0.0.1:7001', [{ start: 5461, end: 10922 }]],
      ['127.0.0.1:7002', [{ start: 10923, end: 16383 }]],
    ]);
    expect(evenClusterSpecs(3).map((s) => s.id)).toEqual(evenClusterSpecs(3).map((s) => s.id));
  });

  it('reads nodes with addresses, ids, slot ranges and replicas; every node knows every other', () => {
    const specs = parseClusterConfig({
      nodes: [
        { address: '127.0.0.1:7101', id: ID('a'), slots: [[0, 8191]] },
        { address: '127.0.0.1:7102', id: ID('b'), slots: [[8192, 16383]] },
        { address: '127.0.0.1:7103', id: ID('c'), replicaOf: ID('a') },
      ],
    });
    const cluster = buildCluster(specs);
    expect(cluster.nodes.map((n) => Object.keys(n.cluster.nodes).length)).toEqual([3, 3, 3]);
    expect(cluster.nodes[2]!.cluster.nodes[ID('c')]!.role).toBe('replica');
    expect(cluster.nodes[0]!.cluster.nodes[ID('b')]!.configEpoch).toBe(2);
  });

  it('names what is wrong in one line', () => {
    const bad: [unknown, string][] = [
      [[], 'the configuration is an object {"nodes": [...]}'],
      [{ nodes: [] }, '"nodes" must be a non-empty array'],
      [{ nodes: [{ address: 'localhost', id: ID('a') }] }, 'nodes[0].address: "localhost" is not "host:port" with a port in 1..65535'],
      [{ nodes: [{ address: '1.2.3.4:1', id: 'xyz' }] }, 'nodes[0].id: "xyz" is not 40 lower-case hex characters'],
      [{ nodes: [{ address: '1.2.3.4:1', id: ID('a'), slots: [[5, 2]] }] }, 'nodes[0].slots[0]: [5,2] is not [from, to] with 0 <= from <= to <= 16383'],
      [{ nodes: [{ address: '1.2.3.4:1', id: ID('a'), port: 3 }] }, 'nodes[0]: unknown field "port" (address, id, slots, replicaOf)'],
      [
        { nodes: [{ address: '1.2.3.4:1', id: ID('a'), slots: [[0, 9]] }, { address: '1.2.3.4:2', id: ID('b'), slots: [[9, 20]] }] },
        'nodes[1].slots: slot 9 is also nodes[0]\'s',
      ],
      [{ nodes: [{ address: '1.2.3.4:1', id: ID('a') }, { address: '1.2.3.4:1', id: ID('b') }] }, "nodes[1]: address 1.2.3.4:1 is also nodes[0]'s"],
      [{ nodes: [{ address: '1.2.3.4:1', id: ID('a'), replicaOf: ID('b') }] }, `nodes[0].replicaOf: no node has id ${ID('b')}`],
    ];
    for (const [json, message] of bad) {
      expect(() => parseClusterConfig(json)).toThrow(ConfigError);
      expect(() => parseClusterConfig(json)).toThrow(message);
    }
  });
});
