import type { Dataflow } from "./dataflow.js";
import type { Outputs } from "./graph.js";

/** A checkpoint barrier as it travels a task's outputs (on the wire: runtime/distributed/exchange/wire.ts, BARRIER). */
export interface Barrier {
  checkpointId: number;
  /** Stop-with-savepoint: the sources stop right after this cut. */
  stop: boolean;
}

/** What the receiving end of an exchange edge asks of the task it feeds. */
export interface InputHooks {
  /** Resolves when every output downstream of this edge (sinks, further exchanges) has room. */
  waitForRoom(): Promise<void>;
  busy(seconds: number): void;
  backpressured(seconds: number): void;
  /** A checkpoint barrier arrived on channel `from`; the channel is blocked until release(from). */
  barrier(edge: number, from: number, barrier: Barrier): void;
  /** Channel `from` ended: it takes part in no further alignment. */
  ended(edge: number, from: number): void;
}

/** The sending end of one exchange edge, as the task sees it. */
export interface ExchangeOutput {
  hasRoom(): boolean;
  waitForRoom(): Promise<void>;
  barrier(b: Barrier): void;
  /** Nothing more comes: everything upstream of the edge has ended. */
  end(): void;
}

/** The receiving end of one exchange edge, as the task sees it. */
export interface ExchangeInput {
  /** Feeds the edge's operator input until every sending channel has ended. */
  run(): Promise<void>;
  /** Unblocks a channel held by barrier alignment. */
  release(from: number): void;
}

/**
 * The exchanges of a task (a distributed worker's gRPC and in-memory channels). A task run in
 * one process has none: every stream is chained.
 */
export interface TaskExchanges {
  /** Index = exchange edge id. */
  readonly senders: ExchangeOutput[];
  readonly receivers: ReadonlyMap<number, ExchangeInput>;
  /** Starts receiving from the other subtasks. */
  connect(): void;
  abort(err: Error): void;
  close(): void;
  rowsSent(): number;
  bytesSent(): number;
}

/** Wires the exchanges into the task's dataflow; `fail` fails the task (a broken connection). */
export type ExchangeFactory = (
  flow: Dataflow,
  hooks: (outputs: Outputs) => InputHooks,
  fail: (err: Error) => void,
) => TaskExchanges;
