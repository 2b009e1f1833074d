import type { grpc } from "../../contract/rpc/loader.js";
import type { TaskState, WatchCommandsRequest, WorkerCommand, WorkerMetrics } from "../../contract/rpc/messages.js";

/** A registered worker as the coordinator tracks it. */
export interface WorkerEntry {
  id: string;
  address: string;
  pid: number;
  session: string;
  /** Subtask this worker runs, -1 while standing by. */
  subtask: number;
  lastHeartbeat: number;
  task: TaskState;
  commands: grpc.ServerWritableStream<WatchCommandsRequest, WorkerCommand> | null;
  metrics: WorkerMetrics;
  /** Asked to stop because its process is terminating: never deployed to again. */
  leaving: boolean;
}
