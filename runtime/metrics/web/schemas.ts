import { type Static, type TSchema, Type } from "@sinclair/typebox";

/**
 * The web UI's JSON API (docs/ui.md), written once: the server's types come from these schemas and
 * the tests validate real responses against them. Times are epoch milliseconds; rates are per second.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Restart = Type.Object({ at: Type.Number(), cause: Type.String() });

export const JobInfo = Type.Object({
  name: Type.String(),
  state: Type.String({ description: "RUNNING, FINISHED, FAILED, RESTARTING... as the job reports it" }),
  parallelism: Type.Integer({ minimum: 1 }),
  startTime: Nullable(Type.Number()),
  restarts: Type.Array(Restart),
  actionsEnabled: Type.Boolean(),
});

export const NodeKind = Type.Union([Type.Literal("source"), Type.Literal("operator"), Type.Literal("sink")]);

export const GraphNode = Type.Object({
  id: Type.String(),
  kind: NodeKind,
  /** The chain (vertex) it runs in. */
  chain: Type.Integer({ minimum: 0 }),
  /** Node ids that feed it (through a chain or an exchange). */
  inputs: Type.Array(Type.String()),
  /** Null where the serving process does not see the node's own counters (the distributed coordinator sees only totals). */
  recordsInPerSecond: Nullable(Type.Number({ minimum: 0 })),
  recordsOutPerSecond: Nullable(Type.Number({ minimum: 0 })),
  /** Share of the chain's wall time spent processing / waiting for room downstream (0..1). */
  busy: Nullable(Type.Number({ minimum: 0 })),
  backpressured: Nullable(Type.Number({ minimum: 0 })),
  stateBytes: Nullable(Type.Integer({ minimum: 0 })),
});

export const Chain = Type.Object({
  id: Type.Integer({ minimum: 0 }),
  name: Type.String(),
  nodes: Type.Array(Type.String()),
});

export const Exchange = Type.Object({
  id: Type.Integer({ minimum: 0 }),
  stream: Type.String(),
  target: Type.String(),
  partitioning: Type.String({ description: "hash(col, ...) or single" }),
});

export const Graph = Type.Object({
  nodes: Type.Array(GraphNode),
  chains: Type.Array(Chain),
  exchanges: Type.Array(Exchange),
});

export const SourceSplit = Type.Object({
  subtask: Type.String(),
  source: Type.String(),
  /** Kafka partition or generator split number. */
  split: Type.String(),
  /** Null before the split's first event. */
  watermarkLagSeconds: Nullable(Type.Number()),
  /** Left out of the source's watermark: idle past eventTime.idleTimeout, or ended. */
  idle: Type.Boolean(),
});

export const Watermarks = Type.Object({
  /** Per subtask: the watermark a task publishes, the minimum over its source splits. */
  splits: Type.Array(Type.Object({ subtask: Type.String(), watermarkLagSeconds: Type.Number() })),
  /** Per source split (with event time), each split's own watermark. */
  sourceSplits: Type.Array(SourceSplit),
  lateRecords: Type.Array(Type.Object({ operator: Type.String(), count: Type.Number({ minimum: 0 }) })),
  kafkaLag: Type.Array(
    Type.Object({ source: Type.String(), topic: Type.String(), partition: Type.String(), lag: Type.Number() }),
  ),
});

export const CheckpointEntry = Type.Object({
  id: Type.Integer({ minimum: 0 }),
  kind: Type.Union([Type.Literal("checkpoint"), Type.Literal("savepoint")]),
  status: Type.Union([Type.Literal("in_progress"), Type.Literal("completed"), Type.Literal("failed")]),
  triggeredAt: Type.Number(),
  durationMs: Nullable(Type.Number({ minimum: 0 })),
  sizeBytes: Nullable(Type.Integer({ minimum: 0 })),
  /** Longest barrier alignment of any subtask: first barrier received to last aligned (0: no exchange inputs). */
  alignmentMs: Nullable(Type.Number({ minimum: 0 })),
  failure: Nullable(Type.String()),
  /** Where a savepoint (or checkpoint) was written. */
  path: Nullable(Type.String()),
});

export const Checkpoints = Type.Object({
  completed: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  /** Newest first, the last 100. */
  history: Type.Array(CheckpointEntry),
});

export const Sample = Type.Object({
  t: Type.Number(),
  recordsInPerSecond: Type.Number({ minimum: 0 }),
  recordsOutPerSecond: Type.Number({ minimum: 0 }),
  busy: Type.Number({ minimum: 0 }),
  backpressured: Type.Number({ minimum: 0 }),
  watermarkLagSeconds: Nullable(Type.Number()),
  kafkaLag: Type.Number(),
});

export const MetricsHistory = Type.Object({ intervalMs: Type.Integer({ minimum: 1 }), samples: Type.Array(Sample) });

export const AutoscalerDecision = Type.Object({
  at: Type.Number(),
  current: Type.Integer({ minimum: 0 }),
  recommended: Type.Integer({ minimum: 0 }),
  applied: Type.Boolean(),
  reason: Type.String(),
  message: Type.String(),
  /** What the autoscaler measured and derived (docs/autoscaler.md), by name. */
  inputs: Type.Record(Type.String(), Type.Number()),
});

export const Rescale = Type.Object({
  at: Type.Number(),
  from: Type.Integer({ minimum: 0 }),
  to: Type.Integer({ minimum: 0 }),
  trigger: Type.String({ description: "autoscaler, dry-run or manual" }),
  reason: Type.String(),
  /** Observed gain / expected gain; null until assessed. */
  effectiveness: Nullable(Type.Number()),
});

export const JobEvent = Type.Object({
  at: Type.Number(),
  type: Type.String({ description: "Normal or Warning" }),
  reason: Type.String(),
  message: Type.String(),
  count: Type.Integer({ minimum: 1 }),
  component: Type.String(),
});

export const OperatorView = Type.Object({
  /** When the Kubernetes operator last reported; null when the job does not run under the operator. */
  reportedAt: Nullable(Type.Number()),
  /** Newest first. */
  decisions: Type.Array(AutoscalerDecision),
  rescales: Type.Array(Rescale),
  events: Type.Array(JobEvent),
});

export const ActionResult = Type.Object({ ok: Type.Boolean(), message: Type.String() });

export type JobInfo = Static<typeof JobInfo>;
export type GraphNode = Static<typeof GraphNode>;
export type Graph = Static<typeof Graph>;
export type Watermarks = Static<typeof Watermarks>;
export type CheckpointEntry = Static<typeof CheckpointEntry>;
export type Checkpoints = Static<typeof Checkpoints>;
export type Sample = Static<typeof Sample>;
export type MetricsHistory = Static<typeof MetricsHistory>;
export type ActionResult = Static<typeof ActionResult>;
export type SourceSplit = Static<typeof SourceSplit>;
export type OperatorView = Static<typeof OperatorView>;

/** Route -> schema of its GET response (the test validates each against a running job). */
export const routes = {
  "/api/v1/job": JobInfo,
  "/api/v1/graph": Graph,
  "/api/v1/watermarks": Watermarks,
  "/api/v1/checkpoints": Checkpoints,
  "/api/v1/metrics/history": MetricsHistory,
  "/api/v1/operator": OperatorView,
} as const;
