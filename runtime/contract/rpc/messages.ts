/**
 * TypeScript shapes of the messages in control.proto, as @grpc/proto-loader
 * hands them over (camelCase fields, enums as their names, `bytes` as Buffer). A oneof member that
 * is set is named by the oneof's own field (`frame: "data"`, `command: "deploy"`).
 */

// ---- control.proto ----

export type TaskState =
  | "TASK_STATE_UNSPECIFIED"
  | "TASK_IDLE"
  | "TASK_DEPLOYING"
  | "TASK_RUNNING"
  | "TASK_STOPPING"
  | "TASK_DRAINED"
  | "TASK_FINISHED"
  | "TASK_FAILED"
  | "TASK_CANCELED";

export interface RegisterWorkerRequest {
  workerId: string;
  address: string;
  pid: number;
}
export interface RegisterWorkerResponse {
  jobName: string;
  session: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}
export interface WatchCommandsRequest {
  workerId: string;
  session: string;
}
export interface Deploy {
  attempt: number;
  subtask: number;
  parallelism: number;
  peers: string[];
  manifestJson: string;
  restoreFrom: string;
}
export interface TriggerCheckpoint {
  attempt: number;
  checkpointId: number;
  savepoint: boolean;
  stop: boolean;
}
export type WorkerCommand =
  | { command?: "deploy"; deploy: Deploy }
  | { command?: "stop"; stop: { attempt: number } }
  | { command?: "commit"; commit: { attempt: number } }
  | { command?: "cancel"; cancel: { attempt: number; reason: string } }
  | { command?: "shutdown"; shutdown: { reason: string } }
  | { command?: "triggerCheckpoint"; triggerCheckpoint: TriggerCheckpoint }
  | { command?: "checkpointComplete"; checkpointComplete: { attempt: number; checkpointId: number } }
  | { command?: "checkpointAborted"; checkpointAborted: { attempt: number; checkpointId: number; reason: string } };

export interface CheckpointAck {
  workerId: string;
  session: string;
  attempt: number;
  checkpointId: number;
  error: string;
  stateJson: string;
  sourcesJson: string;
  /** Longest barrier alignment of the subtask's chains, ms (absent from older workers). */
  alignmentMs?: number;
}
export type CheckpointState = "NONE" | "IN_PROGRESS" | "COMPLETED" | "FAILED";
export interface CheckpointInfo {
  id: number;
  kind: "checkpoint" | "savepoint" | "";
  state: CheckpointState;
  path: string;
  bytes: number;
  triggeredAtMs: number;
  durationMs: number;
  error: string;
  attempt: number;
  /** Longest barrier alignment over the subtasks, ms (0 until complete, or where none was needed). */
  alignmentMs?: number;
}
/** GetCheckpoint's answer for id 0 ("none yet"): a value, not an error, on both sides of the wire. */
export const NO_CHECKPOINT: Readonly<CheckpointInfo> = Object.freeze({
  id: 0,
  kind: "",
  state: "NONE",
  path: "",
  bytes: 0,
  triggeredAtMs: 0,
  durationMs: 0,
  error: "",
  attempt: 0,
});
export interface TriggerSavepointRequest {
  stop: boolean;
  reason: string;
}
export interface GetCheckpointRequest {
  id: number;
}

export interface WorkerMetrics {
  recordsIn: number;
  recordsOut: number;
  busySeconds: number;
  backpressuredSeconds: number;
  rssBytes: number;
  watermark: number;
  exchangeRowsSent: number;
  exchangeBytesSent: number;
  lateRecords: number;
  consumerLag: number;
  /** Per graph node (web UI ids), per Kafka partition, per source split; absent from older workers. */
  nodes?: NodeRecords[];
  partitionLag?: PartitionLag[];
  splitWatermarks?: SplitWatermark[];
}
export interface NodeRecords {
  id: string;
  recordsIn: number;
  recordsOut: number;
  lateRecords?: number;
}
export interface PartitionLag {
  source: string;
  topic: string;
  partition: string;
  lag: number;
}
export interface SplitWatermark {
  source: string;
  split: string;
  watermark: number;
  idle: boolean;
}
export interface HeartbeatRequest {
  workerId: string;
  session: string;
  attempt: number;
  metrics: WorkerMetrics;
}
export interface HeartbeatResponse {
  known: boolean;
}
export interface TaskStateReport {
  workerId: string;
  session: string;
  attempt: number;
  state: TaskState;
  message: string;
  metrics: WorkerMetrics | null;
  restoreBelow?: number;
}
export type Ack = Record<string, never>;

export interface WorkerStatus {
  workerId: string;
  address: string;
  subtask: number;
  pid: number;
  state: TaskState;
  lastHeartbeatAgeMs: number;
}
export interface VertexStatus {
  name: string;
  parallelism: number;
}
export type JobState =
  | "WAITING_FOR_WORKERS"
  | "DEPLOYING"
  | "RUNNING"
  | "STOPPING"
  | "COMMITTING"
  | "RESTARTING"
  | "FINISHED"
  | "STOPPED"
  | "CANCELED"
  | "FAILED";
export interface JobStatus {
  jobName: string;
  state: JobState;
  attempt: number;
  restarts: number;
  maxRestarts: number;
  delivery: string;
  parallelism: number;
  maxParallelism: number;
  message: string;
  workers: WorkerStatus[];
  vertices: VertexStatus[];
  stateSinceMs: number;
  lastRunMs: number;
  lastCheckpoint: CheckpointInfo | null;
  checkpointsCompleted: number;
  checkpointsFailed: number;
  restoredFrom: string;
  /** Digest of the OperatorViewReport the coordinator holds ("" or absent: none). */
  operatorViewDigest?: string;
}
export interface WorkerMetricsEntry {
  workerId: string;
  subtask: number;
  metrics: WorkerMetrics;
}
export interface MetricsSummary {
  jobName: string;
  attempt: number;
  total: WorkerMetrics;
  workers: WorkerMetricsEntry[];
}
export interface StopJobRequest {
  reason: string;
}
export interface CancelJobRequest {
  reason: string;
}

export interface AutoscalerDecisionEntry {
  timeMs: number;
  current: number;
  recommended: number;
  applied: boolean;
  reason: string;
  message: string;
  inputs: Record<string, number>;
}
export interface RescaleEntry {
  timeMs: number;
  from: number;
  to: number;
  trigger: string;
  reason: string;
  /** -1: not assessed. */
  effectiveness: number;
}
export interface JobEvent {
  timeMs: number;
  type: string;
  reason: string;
  message: string;
  count: number;
  component: string;
}
/** ReportOperatorView: what the operator knows of a job, for the web UI. */
export interface OperatorViewReport {
  digest: string;
  decisions: AutoscalerDecisionEntry[];
  rescales: RescaleEntry[];
  events: JobEvent[];
  reportedAtMs: number;
}

export function emptyMetrics(): WorkerMetrics {
  return {
    recordsIn: 0,
    recordsOut: 0,
    busySeconds: 0,
    backpressuredSeconds: 0,
    rssBytes: 0,
    watermark: Number.NEGATIVE_INFINITY,
    exchangeRowsSent: 0,
    exchangeBytesSent: 0,
    lateRecords: 0,
    consumerLag: 0,
  };
}
