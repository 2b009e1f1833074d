import type { Checkpoints, Graph, JobInfo, OperatorView, Watermarks } from "./schemas.js";

/** Running totals the sampler turns into rates. */
export interface Counters {
  /** Records the sources read / the sinks wrote, summed over subtasks. */
  recordsIn: number;
  recordsOut: number;
  /** Records into / out of each graph node, by node id, summed over subtasks; a node not here is not measured by this process. */
  nodeIn: Record<string, number>;
  nodeOut: Record<string, number>;
  /** Summed over subtasks. */
  busySeconds: number;
  backpressuredSeconds: number;
  subtasks: number;
  watermarkLagSeconds: number | null;
  kafkaLag: number;
}

/** The graph without its rates: what the plan says. */
export interface GraphShape {
  nodes: Omit<Graph["nodes"][number], "recordsInPerSecond" | "recordsOutPerSecond" | "busy" | "backpressured">[];
  chains: Graph["chains"];
  exchanges: Graph["exchanges"];
}

/**
 * What the web API needs of a job, whichever process runs it: `sabot run` (engine/local-job-view.ts)
 * or the distributed coordinator. Actions are absent where the runner cannot do them.
 */
export interface JobView {
  job(): Omit<JobInfo, "actionsEnabled">;
  shape(): GraphShape;
  counters(): Promise<Counters>;
  watermarks(): Promise<Watermarks>;
  checkpoints(): Checkpoints;
  /** What the Kubernetes operator reported (autoscaler decisions, Events); absent outside Kubernetes. */
  operatorView?(): OperatorView;
  /** State bytes per node id, from the latest checkpoint; absent where the runner cannot tell. */
  stateBytes?(): Record<string, number>;
  /** Takes a savepoint; resolves with where it was written. */
  savepoint?(): Promise<string>;
  /** Asks the job to stop (drain, as `sabot stop`). */
  stop?(): Promise<void>;
}
