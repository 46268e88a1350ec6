import { describe, expect, it } from 'vitest';
import { setImporting, setMigrating, updateNode } from '../topology/index.ts';
import { threeByTwo } from '../topology/test-fixtures.ts';
import { clusterInfoText, clusterNodesLine, clusterNodesText, clusterSlotsReply, nodeFlags } from './format.ts';
import { encodeResp } from './resp.ts';

describe('CLUSTER NODES', () => {
  it('prints each node the way Redis does', () => {
    const { state, primaries, replicas } = threeByTwo();
    const [a, b, c] = primaries;
    const [ra] = replicas;
    const busy = setImporting(setMigrating(updateNode(state, b, { health: 'pfail', pingSentMs: 1500, pongReceivedMs: 900 }), 7, b), 6000, c);
    expect(clusterNodesLine(busy, busy.nodes[a]!)).toBe(
      `${a} 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [7->-${b}] [6000-<-${c}]`,
    );
    expect(clusterNodesLine(busy, busy.nodes[b]!)).toBe(`${b} 10.0.0.2:7001@17001 master,fail? - 1500 900 2 connected 5461-10922`);
    // A replica prints its primary's id and its primary's config epoch, and no slots.
    expect(clusterNodesLine(busy, busy.nodes[ra]!)).toBe(`${ra} 10.0.0.4:7003@17003 slave ${a} 0 0 1 connected`);
    const text = clusterNodesText(busy);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').slice(0, -1).map((line) => line.split(' ')[0])).toEqual([...primaries, ...replicas].sort());
  });

  it('lists scattered slots as Redis does, single slots without a dash', () => {
    const { state, primaries } = threeByTwo();
    const scattered = updateNode(state, primaries[0], { slots: [{ start: 0, end: 0 }, { start: 2, end: 5 }, { start: 9, end: 9 }] });
    expect(clusterNodesLine(scattered, scattered.nodes[primaries[0]]!)).toMatch(/ connected 0 2-5 9$/);
  });

  it('orders flags as Redis does and says noflags / handshake / disconnected', () => {
    const { state, primaries, replicas } = threeByTwo();
    const failed = updateNode(state, replicas[1], { health: 'fail', noFailover: true, link: 'disconnected' });
    expect(nodeFlags(failed, failed.nodes[replicas[1]]!)).toBe('slave,fail,nofailover');
    expect(clusterNodesLine(failed, failed.nodes[replicas[1]]!)).toContain(' disconnected');
    const meeting = updateNode(state, primaries[2], { handshake: true });
    expect(nodeFlags(meeting, meeting.nodes[primaries[2]]!)).toBe('handshake');
    // Myself is always reported connected.
    const selfUnlinked = updateNode(state, state.myId, { link: 'disconnected' });
    expect(clusterNodesLine(selfUnlinked, selfUnlinked.nodes[state.myId]!)).toContain(' connected');
  });
});

describe('CLUSTER SLOTS', () => {
  it("nests start, end, the primary, then live replicas, each in Redis 7's four-element form", () => {
    const { state, primaries, replicas } = threeByTwo();
    const withFailedReplica = updateNode(state, replicas[2], { health: 'fail' });
    expect(encodeResp(clusterSlotsReply(withFailedReplica))).toBe(
      [
        '*3',
        '*4', ':0', ':5460', '*4', '$8', '10.0.0.1', ':7000', '$40', primaries[0], '*0',
        '*4', '$8', '10.0.0.4', ':7003', '$40', replicas[0], '*0',
        '*4', ':5461', ':10922', '*4', '$8', '10.0.0.2', ':7001', '$40', primaries[1], '*0',
        '*4', '$8', '10.0.0.5', ':7004', '$40', replicas[1], '*0',
        '*3', ':10923', ':16383', '*4', '$8', '10.0.0.3', ':7002', '$40', primaries[2], '*0',
        '',
      ].join('\r\n'),
    );
  });

  it('splits a node with scattered slots into one entry per run and skips unassigned slots', () => {
    const { state, primaries } = threeByTwo();
    const holed = updateNode(state, primaries[0], { slots: [{ start: 0, end: 99 }, { start: 200, end: 5460 }] });
    const reply = clusterSlotsReply(holed);
    if (reply.type !== 'array') throw new Error('CLUSTER SLOTS is an array');
    const bounds = reply.items.map((item) => (item.type === 'array' ? item.items.slice(0, 2).map((r) => (r.type === 'integer' ? r.value : -1)) : []));
    expect(bounds).toEqual([[0, 99], [200, 5460], [5461, 10922], [10923, 16383]]);
  });
});

describe('CLUSTER INFO', () => {
  it('prints Redis fields in Redis order with CRLF line endings', () => {
    const { state, primaries } = threeByTwo(4);
    const pfail = updateNode(state, primaries[2], { health: 'pfail' });
    expect(clusterInfoText(pfail, { sent: 12, received: 10 })).toBe(
      [
        'cluster_state:ok',
        'cluster_slots_assigned:16384',
        'cluster_slots_ok:10923',
        'cluster_slots_pfail:5461',
        'cluster_slots_fail:0',
        'cluster_known_nodes:6',
        'cluster_size:3',
        'cluster_current_epoch:6',
        'cluster_my_epoch:2',
        'cluster_stats_messages_sent:12',
        'cluster_stats_messages_received:10',
        'total_cluster_links_buffer_limit_exceeded:0',
        '',
      ].join('\r\n'),
    );
  });
});
