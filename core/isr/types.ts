/**
 * The types of Kafka-style ISR replication (rivven-cluster's partition manager): configuration,
 * the metadata a Raft group of controllers replicates, the messages between brokers, controllers
 * and clients, the brokers' replica state, and every observation the checkers read.
 *
 * Everything that is part of a node's state or crosses the wire is plain JSON (no Map, Set, class
 * or undefined-valued field), so the kernel can clone, hash and store it in reports. Offsets are
 * 0-based: the record at offset o is the (o+1)-th record of a partition's log; a log end offset
 * (LEO) and a high watermark (HW) are "one past" offsets.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { SwimObservation, SwimState } from '../swim/node.ts';
import type { IsrBug } from './bugs.ts';

// ---------------------------------------------------------------------------------------------
// Configuration

export interface IsrOptions {
  /** The metadata controllers: the voters of the Raft group. */
  readonly controllers: readonly NodeId[];
  /** Every broker that may take part, sorted. */
  readonly brokers: readonly NodeId[];
  /** Brokers that register at boot; the others wait for a `join` command. */
  readonly initialBrokers: readonly NodeId[];
  readonly topic: string;
  readonly partitions: number;
  /** rivven: `replication_factor: 3`. */
  readonly replicationFactor: number;
  /** rivven: `HashRing::new(128)`. */
  readonly virtualNodes: number;
  /** Kafka's min.insync.replicas: an acks=all write needs an ISR at least this large. */
  readonly minInsyncReplicas: number;
  /** Kafka's replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR. */
  readonly replicaLagTimeMaxMs: number;
  /**
   * A joined broker sends the controller its registration (incarnation, leaving, metadata version)
   * this often: how it finds the active controller and catches up on metadata pushes it missed.
   * Not a liveness signal: SWIM is the failure detector.
   */
  readonly registrationIntervalMs: number;
  /**
   * The one fallback besides SWIM: a registered, unfenced broker that the active controller's SWIM
   * member has no news of at all (not even a suspicion) this long into its life and its activation
   * is fenced. Only a controller that restarted can miss a broker that way (SWIM's view starts empty
   * after a restart and fills from the other members' syncs).
   */
  readonly unknownMemberGraceMs: number;
  /** The SWIM member every broker and controller runs (core/swim), scaled to the simulation's seconds. */
  readonly swim: IsrSwimOptions;
  /** The leader holds a follower's fetch this long when it has nothing new (replica.fetch.wait.max.ms). */
  readonly fetchMaxWaitMs: number;
  /** Wait before fetching again after an error. */
  readonly fetchBackoffMs: number;
  /** A broker-to-broker or broker-to-controller request unanswered this long is sent again. */
  readonly requestTimeoutMs: number;
  /** Most records in one fetch response. */
  readonly maxFetchRecords: number;
  /** HW checkpoint interval (replica.high-watermark.checkpoint.interval.ms). */
  readonly hwCheckpointIntervalMs: number;
  /** Brokers' periodic work (ISR shrink checks, expired fetches, resends). */
  readonly tickIntervalMs: number;
  /** Controllers' periodic work. */
  readonly controllerTickMs: number;
  /** Move leadership back to the preferred (first) replica when it is in the ISR; checked this often (0: never). */
  readonly preferredLeaderCheckMs: number;
  /** Before every initial broker has registered, the controller creates the topic anyway after this long as active controller. */
  readonly topicCreateGraceMs: number;
  /** unclean.leader.election.enable: elect an out-of-sync replica when no ISR member is alive. Loses data; measured. */
  readonly uncleanLeaderElection: boolean;
  readonly bug: IsrBug | null;
}

/** The knobs of core/swim's protocol an ISR cluster sets; the rest are core/swim's defaults. */
export interface IsrSwimOptions {
  readonly protocolPeriodMs: number;
  readonly probeTimeoutMs: number;
  readonly indirectChecks: number;
  readonly suspicionMult: number;
  readonly suspicionMaxTimeoutMult: number;
  readonly pushPullPeriods: number;
  readonly reconnectPeriods: number;
  readonly leavePeriods: number;
  readonly clusterKey: string;
}

export type IsrConfig = Partial<Omit<IsrOptions, 'swim'>> & Pick<IsrOptions, 'controllers' | 'brokers'> & { readonly swim?: Partial<IsrSwimOptions> };

// ---------------------------------------------------------------------------------------------
// Metadata (the state machine the controllers replicate with Raft)

export interface BrokerRegistration {
  readonly id: NodeId;
  /** Bumped by the broker at every start; a new incarnation fences the old one. */
  readonly incarnation: number;
  /** A fenced broker leads nothing and joins no ISR (SWIM declared it dead or left, or it just restarted). */
  readonly fenced: boolean;
  /** Decommissioning: out of the hash ring, its replicas move away. */
  readonly leaving: boolean;
}

export interface PartitionState {
  readonly partition: number;
  /** The replicas that hold the partition now; during a reassignment the union of old and new. */
  readonly replicas: readonly NodeId[];
  /** What the hash ring assigns: the replica set a reassignment converges to. */
  readonly target: readonly NodeId[];
  /** In-sync replicas, sorted. Never empty once the topic exists. */
  readonly isr: readonly NodeId[];
  readonly leader: NodeId | null;
  /** Bumped at every leader change (to null too). */
  readonly leaderEpoch: number;
  /** Bumped at every change of this partition's state. */
  readonly partitionEpoch: number;
  /** The last leader change was an unclean election (an out-of-sync replica). */
  readonly unclean: boolean;
}

export interface MetadataImage {
  /** Number of metadata commands applied: grows by one per committed change. */
  readonly version: number;
  /** Sorted by id. */
  readonly brokers: readonly BrokerRegistration[];
  /** Brokers in the hash ring, sorted: registered and not leaving. */
  readonly ring: readonly NodeId[];
  /** Indexed by partition number; empty until the topic is created. */
  readonly partitions: readonly PartitionState[];
}

/** One change to the metadata, in the manner of KRaft's metadata records. */
export type MetadataRecord =
  | { readonly type: 'registerBroker'; readonly broker: NodeId; readonly incarnation: number }
  /** 'dead' / 'left': the active controller's SWIM member says so; 'unknown': its SWIM member never heard of it (the fallback). */
  | { readonly type: 'fenceBroker'; readonly broker: NodeId; readonly reason: 'dead' | 'left' | 'unknown' }
  | { readonly type: 'unfenceBroker'; readonly broker: NodeId }
  | { readonly type: 'leaveBroker'; readonly broker: NodeId }
  | { readonly type: 'createTopic'; readonly partitions: readonly PartitionState[] }
  | { readonly type: 'partitionChange'; readonly state: PartitionState; readonly reason: string };

/** A batch of records, applied only if the metadata is still at `expectedVersion` (the controller decided on that image). */
export interface MetadataCommand {
  readonly expectedVersion: number;
  readonly records: readonly MetadataRecord[];
}

export type MetadataResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly version: number };

/** The metadata state machine serves no queries: brokers get the image pushed. */
export type MetadataQuery = { readonly type: 'image' };

// ---------------------------------------------------------------------------------------------
// Messages

export type Acks = 'one' | 'all';

/** One record of a partition's log. `id` names what a producer wrote ("p1-17"). */
export interface LogRecord {
  readonly epoch: number;
  readonly id: string;
}

/**
 * 'notLeader' and 'notEnoughReplicas': not appended. 'notEnoughReplicasAfterAppend' (the ISR shrank
 * below min.insync.replicas while it waited) and 'leadershipLost' (the leader changed while it
 * waited): appended, outcome unknown.
 */
export type ProduceError = 'notLeader' | 'notEnoughReplicas' | 'notEnoughReplicasAfterAppend' | 'leadershipLost';
export type FetchError = 'notLeader' | 'fencedLeaderEpoch' | 'unknownLeaderEpoch' | 'offsetOutOfRange';

/** What brokers and controllers exchange: ISR's messages, and their SWIM members' sealed datagrams. */
export type IsrWire = IsrMessage | Uint8Array;

export type IsrMessage =
  // broker -> controller
  | { readonly type: 'brokerRegistration'; readonly incarnation: number; readonly knownVersion: number; readonly leaving: boolean }
  | {
      readonly type: 'alterPartition';
      readonly requestId: number;
      readonly partition: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      readonly isr: readonly NodeId[];
    }
  // controller -> broker
  | { readonly type: 'registrationResponse'; readonly image: MetadataImage | null }
  | { readonly type: 'notController'; readonly hint: NodeId | null }
  | { readonly type: 'metadataPush'; readonly image: MetadataImage }
  | { readonly type: 'alterPartitionResponse'; readonly requestId: number; readonly partition: number; readonly ok: boolean; readonly state: PartitionState | null }
  // follower -> leader
  | { readonly type: 'offsetsForLeaderEpoch'; readonly requestId: number; readonly partition: number; readonly leaderEpoch: number; readonly epoch: number }
  | { readonly type: 'fetch'; readonly requestId: number; readonly partition: number; readonly leaderEpoch: number; readonly fetchOffset: number }
  // leader -> follower
  | {
      readonly type: 'offsetsForLeaderEpochResponse';
      readonly requestId: number;
      readonly partition: number;
      readonly leaderEpoch: number;
      /** The largest epoch at or below the asked one in the leader's log (-1: none), and where it ends there. */
      readonly epoch: number;
      readonly endOffset: number;
      readonly error: FetchError | null;
    }
  | {
      readonly type: 'fetchResponse';
      readonly requestId: number;
      readonly partition: number;
      readonly leaderEpoch: number;
      readonly fetchOffset: number;
      readonly records: readonly LogRecord[];
      readonly hw: number;
      readonly error: FetchError | null;
    }
  // client -> broker
  | { readonly type: 'produce'; readonly requestId: number; readonly partition: number; readonly id: string; readonly acks: Acks }
  | { readonly type: 'consumerFetch'; readonly requestId: number; readonly partition: number; readonly offset: number }
  // broker -> client
  | {
      readonly type: 'produceResponse';
      readonly requestId: number;
      readonly partition: number;
      readonly offset: number | null;
      readonly leaderEpoch: number;
      readonly error: ProduceError | null;
      readonly leaderHint: NodeId | null;
    }
  | {
      readonly type: 'consumerFetchResponse';
      readonly requestId: number;
      readonly partition: number;
      readonly offset: number;
      readonly ids: readonly string[];
      readonly hw: number;
      readonly leaderEpoch: number;
      readonly error: FetchError | null;
      readonly leaderHint: NodeId | null;
    };

// ---------------------------------------------------------------------------------------------
// Broker state

export interface FollowerProgress {
  readonly id: NodeId;
  /** The follower's LEO as its last fetch in this leader epoch told (-1: no fetch yet in this epoch). */
  leo: number;
  lastFetchMs: number;
  /** The leader's LEO when that fetch arrived. */
  leaderLeoAtLastFetch: number;
  lastCaughtUpMs: number;
  /** The HW last sent to it: a parked fetch is answered when the HW moves past it. */
  sentHw: number;
  /** A fetch held at the leader until there is something new or it expires. */
  parked: { readonly requestId: number; readonly fetchOffset: number; readonly expiresMs: number } | null;
}

export interface PendingProduce {
  readonly client: NodeId;
  readonly requestId: number;
  readonly offset: number;
  readonly id: string;
}

export interface ReplicaState {
  readonly partition: number;
  /** The partition's log; `log[o]` is the record at offset o. */
  log: LogRecord[];
  /** Leader epoch cache: where each epoch starts in `log`, ascending (derived from the records). */
  epochs: { epoch: number; startOffset: number }[];
  hw: number;
  /** 'none': hosted but not acting (no current metadata for it, or the partition has no leader). */
  role: 'leader' | 'follower' | 'none';
  leader: NodeId | null;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: NodeId[];
  replicas: NodeId[];
  // Leader only
  /** The LEO when this broker became leader in `leaderEpoch`: a follower joins the ISR only past it (KAFKA-7128). */
  epochStartOffset: number;
  followers: FollowerProgress[];
  /** An AlterPartition in flight: the ISR it asks for (used for the HW while it grows the ISR). */
  pendingIsr: { readonly isr: readonly NodeId[]; readonly requestId: number; sentMs: number } | null;
  waiting: PendingProduce[];
  // Follower only
  /** 'truncating': OffsetsForLeaderEpoch in flight; 'fetching': fetching from the leader. */
  fetchPhase: 'truncating' | 'fetching';
  /** The request in flight to the leader, and when to give up on it; null: next one due at `nextFetchMs`. */
  inflight: { readonly requestId: number; readonly deadlineMs: number } | null;
  nextFetchMs: number;
}

export interface BrokerState {
  readonly self: NodeId;
  started: boolean;
  /** Bumped and persisted at every start. */
  incarnation: number;
  /** Registered with the controller (initial brokers at boot, others after `join`). Persisted. */
  joined: boolean;
  /** Decommissioning (after `leave`): its replicas move away, then it leaves SWIM. Persisted. */
  leaving: boolean;
  /** The broker's SWIM member (core/swim): its failure detector, joined and left with it. Persists itself (file `swim`). */
  swim: SwimState;
  controllerGuess: NodeId;
  lastRegistrationSentMs: number;
  lastControllerReplyMs: number;
  /** The newest metadata this broker has seen. */
  image: MetadataImage | null;
  /** Hosted partitions, sorted by partition. */
  replicas: ReplicaState[];
  /** HWs as last checkpointed, per partition (for "did it change"). */
  checkpointed: Record<string, number>;
  nextRequestId: number;
}

// ---------------------------------------------------------------------------------------------
// Commands to brokers

export type BrokerCommand = { readonly type: 'join' } | { readonly type: 'leave' };
export type BrokerReply = { readonly type: 'ok' } | { readonly type: 'rejected'; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// Observations

export type BrokerObservation =
  | { readonly type: 'brokerStarted'; readonly broker: NodeId; readonly incarnation: number; readonly partitions: readonly { readonly partition: number; readonly leo: number; readonly hw: number }[] }
  /** A damaged tail of a log file (the write in flight at a crash) was dropped at restart. */
  | { readonly type: 'recoveredLog'; readonly broker: NodeId; readonly partition: number; readonly kept: number; readonly dropped: number }
  /** `unclean`: elected from outside the ISR (the partition state says so, so checkers learn it even when the controller's own observation of that election was lost with its leadership). */
  | { readonly type: 'partitionLeader'; readonly broker: NodeId; readonly partition: number; readonly leaderEpoch: number; readonly leo: number; readonly hw: number; readonly unclean: boolean }
  | { readonly type: 'partitionFollower'; readonly broker: NodeId; readonly partition: number; readonly leaderEpoch: number; readonly leader: NodeId }
  /** The leader's HW moved (only ever up, within one leader epoch). */
  | { readonly type: 'hw'; readonly broker: NodeId; readonly partition: number; readonly leaderEpoch: number; readonly hw: number; readonly previous: number }
  /**
   * Records removed from a replica's log. 'divergence': the follower's suffix the leader doesn't
   * have (OffsetsForLeaderEpoch); 'high-watermark': the 'truncate-to-hw' bug; 'deleted': the
   * replica was reassigned away. `committed`: how many of them were below this replica's HW.
   */
  | {
      readonly type: 'truncated';
      readonly broker: NodeId;
      readonly partition: number;
      readonly fromOffset: number;
      readonly ids: readonly string[];
      readonly committed: number;
      readonly reason: 'divergence' | 'high-watermark' | 'deleted';
      readonly leaderEpoch: number;
    }
  /** An acks=all write completed at the leader (below the HW); the checkers count its copies now. */
  | { readonly type: 'ackedAll'; readonly broker: NodeId; readonly partition: number; readonly offset: number; readonly id: string; readonly leaderEpoch: number; readonly isr: readonly NodeId[] }
  | { readonly type: 'isrChangeRequested'; readonly broker: NodeId; readonly partition: number; readonly leaderEpoch: number; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] };

export type ControllerObservation =
  /** A metadata change the active controller proposed was committed and applied. */
  | { readonly type: 'metadataCommitted'; readonly controller: NodeId; readonly version: number; readonly records: readonly MetadataRecord[] }
  /** An unclean election: `isr` was the ISR before; the data they held beyond the new leader is lost. */
  | { readonly type: 'uncleanElection'; readonly controller: NodeId; readonly partition: number; readonly leader: NodeId; readonly leaderEpoch: number; readonly isr: readonly NodeId[] };

export type ProducerObservation =
  | { readonly type: 'invoke'; readonly client: NodeId; readonly id: string; readonly partition: number; readonly acks: Acks; readonly atMs: number }
  | {
      readonly type: 'ok';
      readonly client: NodeId;
      readonly id: string;
      readonly partition: number;
      readonly acks: Acks;
      readonly offset: number;
      readonly leaderEpoch: number;
      readonly callMs: number;
      readonly returnMs: number;
    }
  /** 'fail': certainly not written; 'info': may have been written (a time-out, or NotEnoughReplicasAfterAppend). */
  | {
      readonly type: 'fail' | 'info';
      readonly client: NodeId;
      readonly id: string;
      readonly partition: number;
      readonly acks: Acks;
      readonly reason: string;
      readonly callMs: number;
      readonly returnMs: null;
    };

/** The counters a client's final audit (`audit` command) adds to the run's metrics (`cluster_sim_protocol_total{name}`). */
export type IsrMetricName = 'acked_writes_lost_unclean' | 'acks1_writes_lost' | 'consumed_then_lost';

/**
 * A client's final audit: it read every partition from offset 0 up to the leader's HW and counted
 * what it had been told (acknowledged writes, consumed records) that is not there. `complete:
 * false`: some partition could not be read to its end in time (no metrics then).
 */
export type AuditObservation =
  | { readonly type: 'metric'; readonly name: IsrMetricName; readonly value: number }
  | {
      readonly type: 'audit';
      readonly client: NodeId;
      readonly complete: boolean;
      /** Per partition, the records read. */
      readonly read: readonly number[];
      readonly checked: number;
      /** Lost, by kind: 'all' / 'one' (acknowledged writes by acks) or 'consumed'. */
      readonly lost: Readonly<Record<string, number>>;
      /** Up to 20 of the lost ids. */
      readonly sample: readonly string[];
    };

export type ConsumerObservation =
  | {
      readonly type: 'consumed';
      readonly client: NodeId;
      readonly partition: number;
      readonly fromOffset: number;
      readonly ids: readonly string[];
      readonly broker: NodeId;
      readonly leaderEpoch: number;
    }
  /** The leader's log ends before the consumer's position (only after an unclean election): it starts over at the leader's HW. */
  | { readonly type: 'consumerReset'; readonly client: NodeId; readonly partition: number; readonly from: number; readonly to: number; readonly broker: NodeId };

export type ClientCommand = { readonly type: 'audit' };
export type ClientReply = { readonly type: 'ok' };

export type IsrObservation = BrokerObservation | ControllerObservation | ProducerObservation | ConsumerObservation | AuditObservation | SwimObservation;
