import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { KafkaConnectionSpec, kafkaConnectionFields } from "./kafka-connection.js";
import { PodTemplateSpec } from "./pod-template.js";

/**
 * The StreamJob spec: the one source of truth. The TypeScript types below are derived from these
 * schemas, the engine validates manifests with them, and `crds/` is generated from them
 * (see operator/crd/generate.ts); a test fails when the committed CRD drifts from this file.
 *
 * The shapes are kept CRD-friendly on purpose: no unions of objects (Kubernetes structural schemas
 * forbid them), ordered things are lists (Kubernetes stores maps with sorted keys), and rules that
 * a schema cannot say are checked by runtime/planner and mirrored as CEL rules in the CRD.
 */

const StringEnum = <T extends string[]>(values: [...T], description: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: values, description });

/** A duration field: a number followed by ms, s, m, h or d (500ms, 30s, 5m). */
export const Duration = (description: string) =>
  Type.String({ format: "duration", description: `${description} (a duration, e.g. 30s)` });
/** A size field: a number followed by B, KiB, MiB or GiB (64MiB). */
export const ByteSize = (description: string) =>
  Type.String({ format: "bytesize", description: `${description} (a size, e.g. 64MiB)` });
const Name = Type.String({ pattern: "^[a-z][a-z0-9_-]{0,62}$", description: "A lower-case name." });
const Optional = Type.Optional;

export const FieldType = StringEnum(
  ["utf8", "int32", "int64", "float64", "bool", "timestamp[ms]"],
  "Arrow type of a column.",
);
export const FieldSpec = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Column name." }),
    type: FieldType,
    nullable: Optional(Type.Boolean({ default: true, description: "Whether the column may hold nulls." })),
    dictionary: Optional(
      Type.Boolean({ description: "utf8 only: store as a dictionary-encoded column (few distinct values)." }),
    ),
  },
  { additionalProperties: false },
);

export const EventTimeSpec = Type.Object(
  {
    field: Type.String({ description: "Column holding the event time (timestamp[ms] or int64 epoch millis)." }),
    maxOutOfOrderness: Optional(
      Duration("How late an event may arrive behind the newest one; the watermark trails by this much"),
    ),
    idleTimeout: Optional(Duration("A split without events this long stops holding back the watermark")),
  },
  { additionalProperties: false, description: "Event time and bounded out-of-orderness for watermarks." },
);

export const Format = StringEnum(["json", "avro", "arrow"], "Wire format of Kafka messages.");

export const KafkaSourceSpec = Type.Object(
  {
    ...kafkaConnectionFields,
    topic: Type.String({ minLength: 1, description: "Topic to read." }),
    groupId: Optional(Type.String({ description: "Consumer group; default sabot-<job>-<source>." })),
    startingOffsets: Optional(StringEnum(["earliest", "latest", "committed"], "Where a new group starts.")),
    format: Optional(Format),
    deadLetterTopic: Optional(Type.String({ description: "Topic that receives messages that cannot be decoded." })),
    maxRecordBytes: Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        default: 1_048_576,
        description:
          "Largest record (key + value bytes) decoded; a larger one goes to the dead-letter topic as oversized, undecoded.",
      }),
    ),
    table: Optional(
      Type.Object(
        { key: Type.Array(Type.String(), { minItems: 1, description: "Key columns of the table." }) },
        { additionalProperties: false, description: "Read this compacted topic as a table keyed by these columns." },
      ),
    ),
  },
  { additionalProperties: false, description: "Read a Kafka topic." },
);

export const GeneratorKind = StringEnum(
  ["nexmark", "nexmark-person", "nexmark-auction", "nexmark-bid", "card-transactions"],
  "Built-in deterministic stream (nexmark: persons, auctions and bids in one stream, by event_type).",
);
export const GeneratorSourceSpec = Type.Object(
  {
    kind: GeneratorKind,
    seed: Optional(Type.Integer({ default: 42, description: "Random seed; the same seed gives the same stream." })),
    count: Optional(Type.Integer({ minimum: 0, description: "Events to emit, then stop (bounded run)." })),
    ratePerSecond: Optional(Type.Integer({ minimum: 1, description: "Events per second; unthrottled if absent." })),
    batchSize: Optional(
      Type.Integer({ minimum: 1, maximum: 1_048_576, default: 8192, description: "Rows per emitted batch." }),
    ),
    partitions: Optional(Type.Integer({ minimum: 1, default: 1, description: "Independent splits of the stream." })),
    columns: Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description:
          "Columns to generate (default: all, or what the job reads); the others are not computed. Values do not depend on which columns are generated.",
      }),
    ),
  },
  { additionalProperties: false, description: "A built-in deterministic generator (no Kafka needed)." },
);

export const SourceSpec = Type.Object(
  {
    kafka: Optional(KafkaSourceSpec),
    generator: Optional(GeneratorSourceSpec),
    schema: Optional(Type.Array(FieldSpec, { description: "Columns; required for kafka, built in for generators." })),
    eventTime: Optional(EventTimeSpec),
  },
  { additionalProperties: false, description: "Exactly one of kafka or generator." },
);

export const WindowSpec = Type.Object(
  {
    type: StringEnum(["tumbling", "sliding", "session"], "Window kind, on event time."),
    size: Optional(Duration("tumbling and sliding: window length")),
    slide: Optional(Duration("sliding: how often a window starts")),
    gap: Optional(Duration("session: inactivity that closes a session")),
    time: Optional(
      StringEnum(
        ["event", "processing"],
        "event (default): windows of the rows' event time, closed by the watermark; processing: windows of the wall-clock time rows arrive at (not deterministic)",
      ),
    ),
  },
  { additionalProperties: false, description: "tumbling: size; sliding: size and slide; session: gap." },
);

/** A signed duration (-10s, 0s, 1ms): an interval join's bound relative to the right row's time. */
const SignedDuration = (description: string) =>
  Type.String({ format: "signed-duration", description: `${description} (a duration, may be negative, e.g. -10s)` });

export const IntervalSpec = Type.Object(
  {
    lower: SignedDuration("Earliest left event time, relative to the right row's event time"),
    upper: SignedDuration("Latest left event time, relative to the right row's event time"),
  },
  {
    additionalProperties: false,
    description:
      "Interval join: a left row matches a right row of its key when right time + lower <= left time <= right time + upper (both inclusive).",
  },
);

export const JoinSpec = Type.Object(
  {
    with: Type.String({ description: "The right-hand stream." }),
    leftKey: Type.Array(Type.String(), { minItems: 1, description: "Key columns of this step's input stream." }),
    rightKey: Type.Array(Type.String(), {
      minItems: 1,
      description: "Key columns of the `with` stream, in the same order.",
    }),
    window: Optional(WindowSpec),
    between: Optional(IntervalSpec),
    stateTtl: Optional(
      Duration(
        "Regular join (no window, no between): keep a row until the watermark passes its event time plus this; without it rows are kept forever",
      ),
    ),
    type: Optional(StringEnum(["inner"], "Join type.")),
  },
  {
    additionalProperties: false,
    description:
      "Inner join of two streams on equal keys: windowed (window), interval (between), or regular (neither: every matching pair once).",
  },
);

export const LookupJoinSpec = Type.Object(
  {
    table: Type.String({ description: "A kafka source with `table` set (a compacted topic)." }),
    key: Type.Array(Type.String(), { minItems: 1, description: "Stream columns matched to the table key." }),
    type: Optional(StringEnum(["inner", "left"], "left keeps stream rows without a match.")),
  },
  {
    additionalProperties: false,
    description: "Enrich each row with the current row of a table source of the same key.",
  },
);

export const TopNSpec = Type.Object(
  {
    partitionBy: Optional(
      Type.Array(Type.String(), {
        description: "Columns that partition besides window_start and window_end (which always do).",
      }),
    ),
    orderBy: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Order of the rows kept: "price DESC", "auction".',
    }),
    limit: Type.Integer({ minimum: 1, description: "Rows kept per partition (1 with a time order: deduplication)." }),
    rowNumber: Optional(Type.String({ description: "Adds this column with each row's place, 1..limit." })),
  },
  {
    additionalProperties: false,
    description: "Window Top-N over a window's output: the first `limit` rows of each window (and partition).",
  },
);

export const StepSpec = Type.Object(
  {
    from: Optional(Type.String({ description: "Input stream: a source or an earlier step's `as`." })),
    as: Optional(Type.String({ description: "Name of this step's output stream." })),
    filter: Optional(Type.String({ description: "SQL boolean expression." })),
    select: Optional(Type.Array(Type.String(), { minItems: 1, description: "SQL expressions, `expr AS name`." })),
    keyBy: Optional(
      Type.Array(Type.String(), {
        description: "Columns to partition by; later windows aggregate per key. [] ends keying: one global group.",
      }),
    ),
    window: Optional(WindowSpec),
    aggregate: Optional(
      Type.Array(Type.String(), { minItems: 1, description: "count(*), sum(x), min, max, avg, count(distinct x)." }),
    ),
    upsertAggregate: Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description:
          "Unbounded GROUP BY over the keyBy keys (no window): emits each changed key's new row per batch, an upsert stream on those keys; same aggregates as window.",
      }),
    ),
    windowTime: Optional(
      Type.Boolean({
        description:
          "window steps: add window_time (window_end - 1 ms) and make it the output's event time, so a later window can group this output.",
      }),
    ),
    localAggregation: Optional(
      Type.Boolean({
        description:
          "window steps after a keyBy: fold each batch into a partial row per key and pane before the exchange, then merge them (two-phase aggregation; default true for event-time tumbling and sliding windows). false sends every row.",
      }),
    ),
    join: Optional(JoinSpec),
    lookupJoin: Optional(LookupJoinSpec),
    topN: Optional(TopNSpec),
    upsertTopN: Optional(
      Type.Object(
        {
          partitionBy: Type.Array(Type.String(), { description: "Columns that partition the rows." }),
          orderBy: Type.Array(Type.String(), { minItems: 1, description: 'Order of the rows kept: "price DESC".' }),
          limit: Type.Integer({
            minimum: 1,
            description: "Rows kept per partition (1 with a time order: deduplication).",
          }),
          rowNumber: Optional(
            Type.String({ description: "Adds this column with each row's place, 1..limit (required when limit > 1)." }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Updating Top-N over rows (no window): after each batch, every place of each partition it changed; an upsert stream on partitionBy (+ rowNumber when limit > 1).",
        },
      ),
    ),
    to: Optional(Type.String({ description: "A sink name." })),
  },
  {
    additionalProperties: false,
    description:
      "Exactly one of filter, select, keyBy, window, upsertAggregate, join, lookupJoin, topN, upsertTopN, to.",
  },
);

export const KafkaSinkSpec = Type.Object(
  {
    ...kafkaConnectionFields,
    topic: Type.String({ minLength: 1, description: "Topic to write." }),
    format: Optional(Format),
    compression: Optional(
      StringEnum(
        ["none", "gzip", "snappy", "lz4", "zstd"],
        "Compression of the record batches written (default none).",
      ),
    ),
    key: Optional(Type.Array(Type.String(), { description: "Columns forming the message key." })),
  },
  {
    additionalProperties: false,
    description: "Write to a Kafka topic (transactionally with checkpointing.mode exactly-once).",
  },
);
export const FilesSinkSpec = Type.Object(
  {
    path: Type.String({ description: "A local folder or an s3://bucket/prefix URL." }),
    format: Optional(StringEnum(["parquet", "arrow"], "File format.")),
    rollSize: Optional(ByteSize("Start a new file after this many bytes")),
    rollInterval: Optional(Duration("Start a new file after this long")),
    partitionBy: Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description: "Columns whose values name Hive-style partition directories (dt=.../hm=...).",
      }),
    ),
  },
  { additionalProperties: false, description: "Write Parquet or Arrow files to a folder or S3." },
);
export const ConsoleSinkSpec = Type.Object(
  { maxRows: Optional(Type.Integer({ minimum: 0, description: "Rows printed per batch." })) },
  { additionalProperties: false, description: "Print rows to the log (for trying things out)." },
);
export const SinkSpec = Type.Object(
  { kafka: Optional(KafkaSinkSpec), files: Optional(FilesSinkSpec), console: Optional(ConsoleSinkSpec) },
  { additionalProperties: false, description: "Exactly one of kafka, files or console." },
);

export const CheckpointingSpec = Type.Object(
  {
    interval: Optional(Duration("How often a checkpoint starts; none without it")),
    timeout: Optional(Duration("A checkpoint not completed by then fails (default 10m)")),
    storage: Optional(
      Type.String({ description: "Where checkpoints and savepoints go: s3://bucket/prefix or file:///path." }),
    ),
    retain: Optional(
      Type.Integer({ minimum: 1, default: 3, description: "Completed checkpoints kept; savepoints are never pruned." }),
    ),
    mode: Optional(StringEnum(["exactly-once", "at-least-once"], "Delivery guarantee of sinks.")),
  },
  {
    additionalProperties: false,
    description: "Periodic checkpoints: interval, storage, retention and delivery guarantee.",
  },
);

export const ResourcesSpec = Type.Object(
  {
    cpu: Optional(Type.String({ description: "CPU request per pod (Kubernetes quantity), e.g. 500m." })),
    memory: Optional(
      Type.String({
        description:
          "Memory request and limit per pod (Kubernetes quantity), e.g. 1Gi; the Node heap is capped at 75% of it.",
      }),
    ),
  },
  { additionalProperties: false, description: "CPU and memory of each worker pod." },
);

export const GpuSpec = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: "nvidia.com/gpu per worker." }),
    nodeLabel: Optional(
      Type.String({ description: "Label GPU nodes carry (key or key=value); default nvidia.com/gpu.present." }),
    ),
  },
  {
    additionalProperties: false,
    description: "GPUs for the workers: a limit per worker, placement on GPU nodes, CUDA kernels.",
  },
);

export const AutoscalerSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: "Turn the autoscaler on." }),
    dryRun: Optional(
      Type.Boolean({ description: "Record decisions in status, Events and metrics, never change spec.parallelism." }),
    ),
    minParallelism: Optional(Type.Integer({ minimum: 1, description: "Lower bound (default 1)." })),
    maxParallelism: Optional(
      Type.Integer({
        minimum: 1,
        description: "Upper bound (default spec.maxParallelism); never above the key groups.",
      }),
    ),
    targetUtilization: Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: "Busy fraction each subtask should run at after scaling (default 0.7).",
      }),
    ),
    metricWindow: Optional(Duration("Window of every rate; jobs are evaluated every half window (default 2m)")),
    stabilizationWindow: Optional(
      Duration("How long a scale-down must stay recommended, and how long a manual scale is held (default 5m)"),
    ),
    catchUpDuration: Optional(Duration("Time allowed to work off the lag and the restart's backlog (default 5m)")),
    restartTime: Optional(Duration("Restart time assumed for a rescale until one is observed (default 60s)")),
    scaleDownMaxFactor: Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: "Largest fraction of the parallelism removed in one step (default 0.5).",
      }),
    ),
    prometheus: Optional(
      Type.Object(
        { url: Type.String({ description: "Prometheus server, e.g. http://prometheus.monitoring:9090." }) },
        { additionalProperties: false, description: "Where the autoscaler reads metrics; default from the operator." },
      ),
    ),
  },
  { additionalProperties: false, description: "Changes spec.parallelism from the job's load (docs/autoscaler.md)." },
);

export const CoordinatorSpec = Type.Object(
  {
    resources: Optional(
      Type.Object(
        {
          cpu: Optional(
            Type.String({ description: "CPU request of the coordinator pod (Kubernetes quantity), e.g. 250m." }),
          ),
          memory: Optional(
            Type.String({
              description: "Memory request and limit of the coordinator pod (Kubernetes quantity), e.g. 512Mi.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "CPU and memory of the coordinator; default from the operator's settings.",
        },
      ),
    ),
    podTemplate: Optional(PodTemplateSpec),
  },
  {
    additionalProperties: false,
    description: "The coordinator pod: resources and a pod template merged over spec.podTemplate.",
  },
);

export const WorkerSpec = Type.Object(
  { podTemplate: Optional(PodTemplateSpec) },
  {
    additionalProperties: false,
    description: "The worker pods (their resources are spec.resources): a pod template merged over spec.podTemplate.",
  },
);

export const IngressSpec = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      maxLength: 253,
      description: "Host name the web UI is served at, e.g. orders.sabot.example.com.",
    }),
    className: Optional(
      Type.String({
        minLength: 1,
        description: "IngressClass (spec.ingressClassName); the cluster's default if absent.",
      }),
    ),
    tlsSecret: Optional(
      Type.String({ minLength: 1, description: "Secret with the host's TLS certificate; the UI's URL is then https." }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "An Ingress to the job's web UI (docs/ui.md), as the Flink operator's spec.ingress. Read-only UI: put authentication in front of it.",
  },
);

export const RestartStrategySpec = Type.Object(
  {
    maxRestarts: Optional(
      Type.Integer({ minimum: 0, description: "Restarts after failures before the job fails (default 10)." }),
    ),
    initialBackoff: Optional(Duration("Wait before the first restart (default 1s)")),
    maxBackoff: Optional(Duration("Longest wait between restarts (default 60s)")),
    multiplier: Optional(Type.Number({ minimum: 1, description: "Growth of the wait per restart (default 2)." })),
  },
  { additionalProperties: false, description: "Restart backoff of a distributed job after a failure." },
);

export const TlsSpec = Type.Object(
  {
    issuerRef: Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 253, description: "The cert-manager Issuer or ClusterIssuer." }),
          kind: Optional(StringEnum(["Issuer", "ClusterIssuer"], "Its kind (default Issuer, in the job's namespace).")),
        },
        {
          additionalProperties: false,
          description:
            "cert-manager issues the job's certificates (a Certificate per role) instead of the operator's own CA.",
        },
      ),
    ),
  },
  { additionalProperties: false, description: "Where the job's mTLS certificates come from." },
);

export const StreamJobSpecSchema = Type.Object(
  {
    // The size bounds keep the CRD's per-element CEL rules within the API server's cost budget.
    // additionalProperties: a key that is not a Name is refused, not left unchecked (the CRD drops it: no patternProperties there).
    // Either sources, pipeline and sinks, or sql: runtime/planner/sql compiles sql into the first form.
    sources: Optional(
      Type.Record(Name, SourceSpec, {
        maxProperties: 64,
        additionalProperties: false,
        description: "Named inputs (required unless sql is given).",
      }),
    ),
    pipeline: Optional(
      Type.Array(StepSpec, {
        minItems: 1,
        maxItems: 256,
        description: "Ordered steps over named streams (required unless sql is given).",
      }),
    ),
    sinks: Optional(
      Type.Record(Name, SinkSpec, {
        maxProperties: 64,
        additionalProperties: false,
        description: "Named outputs (required unless sql is given).",
      }),
    ),
    sql: Optional(
      Type.String({
        minLength: 1,
        maxLength: 262_144,
        description:
          "The job in Flink SQL (CREATE TABLE, CREATE VIEW, INSERT INTO ... SELECT), instead of sources, pipeline and sinks (docs/sql.md).",
      }),
    ),
    parallelism: Optional(
      Type.Integer({
        minimum: 1,
        default: 1,
        description: "Subtasks per operator: the number of worker pods. kubectl scale and the autoscaler change it.",
      }),
    ),
    maxParallelism: Optional(
      Type.Integer({ minimum: 1, maximum: 32768, default: 128, description: "Number of key groups." }),
    ),
    connections: Optional(
      Type.Record(Name, KafkaConnectionSpec, {
        maxProperties: 64,
        additionalProperties: false,
        description: "Named Kafka connections that kafka sources and sinks refer to with `connection: <name>`.",
      }),
    ),
    checkpointing: Optional(CheckpointingSpec),
    restartStrategy: Optional(RestartStrategySpec),
    resources: Optional(ResourcesSpec),
    gpu: Optional(GpuSpec),
    podTemplate: Optional(PodTemplateSpec),
    coordinator: Optional(CoordinatorSpec),
    worker: Optional(WorkerSpec),
    ingress: Optional(IngressSpec),
    tls: Optional(TlsSpec),
    autoscaler: Optional(AutoscalerSpec),
    upgradeMode: Optional(
      StringEnum(
        ["savepoint", "last-state", "stateless"],
        "How spec changes are rolled out: savepoint (stop with a savepoint, restore it), last-state (redeploy from the newest completed checkpoint) or stateless (start fresh). Default: savepoint when checkpointing.storage is set, else stateless.",
      ),
    ),
    state: Optional(StringEnum(["running", "suspended"], "Desired state.")),
    initialSavepoint: Optional(
      Type.String({
        description: "Savepoint or checkpoint folder to start from, while the job has no checkpoint of its own.",
      }),
    ),
    restoreFrom: Optional(
      Type.String({
        minLength: 1,
        description:
          "Storage URL of a checkpoint or savepoint folder (e.g. one listed in status). Setting or changing it on an existing job redeploys the job restoring exactly this folder.",
      }),
    ),
    rollback: Optional(
      Type.Boolean({
        description:
          "When an upgrade is not Running within upgradeTimeout, redeploy the last stable spec from the newest savepoint or checkpoint.",
      }),
    ),
    upgradeTimeout: Optional(
      Type.String({
        format: "duration",
        description:
          "How long a (re)deployment may take to become Running before it counts as failed; default from the operator (5m).",
      }),
    ),
    savepointTimeout: Optional(
      Type.String({
        format: "duration",
        description:
          "How long a savepoint for an upgrade, suspend or delete may take before it is given up and reported; default from the operator (5m).",
      }),
    ),
    savepointFallback: Optional(
      StringEnum(
        ["none", "last-checkpoint"],
        "What a savepoint upgrade or suspend does when its savepoint fails or times out: none (default: stay on the old spec and report) or last-checkpoint (redeploy from the newest completed checkpoint, with an Event saying so).",
      ),
    ),
    allowNonRestoredState: Optional(
      Type.Boolean({
        description: "Restore a savepoint holding state of steps the job no longer has, dropping that state.",
      }),
    ),
    image: Optional(
      Type.String({
        description: "Runtime image of the coordinator and workers; default from the operator's settings.",
      }),
    ),
    storageSecret: Optional(Type.String({ description: "Secret with S3 credentials (AWS_ACCESS_KEY_ID, ...)." })),
    savepointInterval: Optional(
      Type.String({
        format: "duration",
        description:
          "Take a savepoint this often (e.g. 1h): the operator creates a Checkpoint object of type savepoint on this schedule. Needs checkpointing.storage.",
      }),
    ),
    savepointRetain: Optional(
      Type.Integer({
        minimum: 1,
        description:
          "Periodic savepoints kept (default 5): the operator deletes the Checkpoint objects of older ones, and their files (disposeOnDelete).",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "A streaming job: sources, pipeline and sinks, and how the operator runs it.",
  },
);

export type StreamJobSpec = Static<typeof StreamJobSpecSchema>;
/** A spec in the pipeline form, which the planner plans: a YAML spec, or a SQL spec once compiled. */
export type PipelineJobSpec = StreamJobSpec & Required<Pick<StreamJobSpec, "sources" | "pipeline" | "sinks">>;
export type SourceSpec = Static<typeof SourceSpec>;
export type FieldSpec = Static<typeof FieldSpec>;
export type FieldType = Static<typeof FieldType>;
export type StepSpec = Static<typeof StepSpec>;
export type SinkSpec = Static<typeof SinkSpec>;
export type WindowSpec = Static<typeof WindowSpec>;
export type JoinSpec = Static<typeof JoinSpec>;
export type IntervalSpec = Static<typeof IntervalSpec>;
export type TopNSpec = Static<typeof TopNSpec>;
export type LookupJoinSpec = Static<typeof LookupJoinSpec>;
export type KafkaSourceSpec = Static<typeof KafkaSourceSpec>;
export type GeneratorSourceSpec = Static<typeof GeneratorSourceSpec>;
export type KafkaSinkSpec = Static<typeof KafkaSinkSpec>;
export type FilesSinkSpec = Static<typeof FilesSinkSpec>;
export type ConsoleSinkSpec = Static<typeof ConsoleSinkSpec>;
export type EventTimeSpec = Static<typeof EventTimeSpec>;
export type GeneratorKind = Static<typeof GeneratorKind>;
export type Format = Static<typeof Format>;
export type CoordinatorSpec = Static<typeof CoordinatorSpec>;
export type WorkerSpec = Static<typeof WorkerSpec>;
export type TlsSpec = Static<typeof TlsSpec>;
export type AnySchema = TSchema;
