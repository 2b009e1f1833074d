import { createRequire } from "node:module";
import { type Admin, Kafka, type LogEntry, logLevel, type Producer } from "kafkajs";
import type { Logger } from "../../log.js";
// Every kafkajs client is made here: its RequestQueue timer fix and the compression codecs apply
// before the first one.
import "./kafkajs-timers.js";
import "./codecs.js";
import { connectionError, type KafkaConnectionConfig, kafkaClientOptions } from "./security.js";

/**
 * kafkajs clients. Producers and admin use the public API. The source reads with kafkajs' own
 * Cluster and Broker classes (its fetch and offset-commit requests) instead of a Consumer: a
 * Consumer always joins a consumer group and lets the group decide which partitions it reads,
 * while Sabot's coordinator decides that (partition p → subtask p % parallelism), seeks to
 * checkpointed offsets, and fetches only when downstream has room. That is what Kafka's Java
 * client calls assign() + commitSync(), and what Flink's KafkaSource does. kafkajs is pinned
 * (2.2.4, no longer developed), so these internals will not move under us.
 */

/** kafkajs log lines go to the job's logger (warnings and errors only: kafkajs is chatty). */
function logCreator(log: Logger) {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      const fields = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR) log.error(fields, message);
      else if (level === logLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    };
}

/** A failed connect() names the connection and says what to check (credentials, CA, protocol). */
function namedConnect<T extends { connect(): Promise<void> }>(client: T, conn: KafkaConnectionConfig): T {
  const connect = client.connect.bind(client);
  client.connect = async () => {
    try {
      await connect();
    } catch (err) {
      throw connectionError(err, conn);
    }
  };
  return client;
}

/** kafkajs' Kafka, whose producers and admins name the connection when they cannot connect. */
class NamedKafka extends Kafka {
  constructor(
    readonly conn: KafkaConnectionConfig,
    config: ConstructorParameters<typeof Kafka>[0],
  ) {
    super(config);
  }
  override producer(config?: Parameters<Kafka["producer"]>[0]): Producer {
    return namedConnect(super.producer(config), this.conn);
  }
  override admin(config?: Parameters<Kafka["admin"]>[0]): Admin {
    return namedConnect(super.admin(config), this.conn);
  }
}

/** Secrets are read here, into options that only kafkajs holds (see security.ts). */
export function kafkaClient(conn: KafkaConnectionConfig, clientId: string, log: Logger): Kafka {
  return new NamedKafka(conn, {
    ...kafkaClientOptions(conn),
    clientId,
    logLevel: logLevel.WARN,
    logCreator: logCreator(log),
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
  });
}

// ---- kafkajs internals used by the source (typed here; kafkajs ships no types for them) ----

export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  isControlRecord?: boolean;
  /** The record batch the message came in (absent for pre-0.11 message sets). */
  batchContext?: {
    firstOffset: string;
    lastOffsetDelta: number;
    producerId: string;
    inTransaction: boolean;
    isControlBatch: boolean;
  };
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  /** Transactions aborted in the fetched range (read_committed fetches). */
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  messages: FetchedMessage[];
}

export interface TopicPartitionsRequest<P> {
  topic: string;
  partitions: P[];
}

export interface InternalBroker {
  fetch(req: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: TopicPartitionsRequest<{ partition: number; fetchOffset: string; maxBytes: number }>[];
  }): Promise<{ responses: { topicName: string; partitions: FetchedPartition[] }[] }>;
  offsetCommit(req: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: TopicPartitionsRequest<{ partition: number; offset: string }>[];
  }): Promise<unknown>;
  offsetFetch(req: {
    groupId: string;
    topics: TopicPartitionsRequest<{ partition: number }>[];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(q: { groupId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** READ_COMMITTED: transactional producers' aborted messages are never read. */
export const READ_COMMITTED = 1;

const require = createRequire(import.meta.url);
type ClusterCtor = new (opts: Record<string, unknown>) => InternalCluster;
const Cluster = require("kafkajs/src/cluster/index.js") as ClusterCtor;
const { createLogger } = require("kafkajs/src/loggers/index.js") as {
  createLogger(o: { level: number; logCreator: ReturnType<typeof logCreator> }): unknown;
};
const socketFactory = require("kafkajs/src/network/socketFactory.js") as () => unknown;

export function internalCluster(conn: KafkaConnectionConfig, clientId: string, log: Logger): InternalCluster {
  const cluster = new Cluster({
    ...kafkaClientOptions(conn),
    clientId,
    logger: createLogger({ level: logLevel.WARN, logCreator: logCreator(log) }),
    socketFactory: socketFactory(),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    isolationLevel: READ_COMMITTED,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  return namedConnect(cluster, conn);
}
