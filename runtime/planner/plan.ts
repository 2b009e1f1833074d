import type { PipelineJobSpec, SinkSpec, SourceSpec } from "../contract/spec/schema.js";
import type { Operator } from "../operators/operator.js";
import type { StreamInfo } from "../types/stream-info.js";

/** A source of the job with the stream it produces. */
export interface SourceNode {
  name: string;
  spec: SourceSpec;
  info: StreamInfo;
  /** A compacted topic read as a table for lookup joins: its watermark never holds others back. */
  isTable: boolean;
}

/** One operator step. `create` builds a fresh instance (one per subtask in a distributed job). */
export interface OperatorNode {
  /** `pipeline[3].window`: used in metrics, logs and checkpoint file names. */
  id: string;
  stepIndex: number;
  /** Input stream names; a join has two (left, right). */
  inputs: string[];
  /** Name of the stream this step produces. */
  output: string;
  info: StreamInfo;
  /** Set on keyBy steps: the data must be routed by these columns' key groups. */
  keyBy?: string[];
  create: () => Operator;
}

/** A `to` step: writes one stream into one sink. */
export interface SinkNode {
  id: string;
  name: string;
  stepIndex: number;
  spec: SinkSpec;
  input: string;
  info: StreamInfo;
}

/** The validated, typed form of a StreamJob: every stream's schema is known. */
export interface JobPlan {
  jobName: string;
  spec: PipelineJobSpec;
  maxParallelism: number;
  sources: SourceNode[];
  operators: OperatorNode[];
  sinks: SinkNode[];
  streams: Map<string, StreamInfo>;
}
