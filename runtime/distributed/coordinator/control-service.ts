import type { Logger } from "../../log.js";
import { addControlService, type ControlHandlers, grpc, startServer, stopServer } from "../../contract/rpc/loader.js";
import { SavepointRefused } from "./checkpoints.js";
import type { Coordinator } from "./coordinator.js";
import type { WorkerEntry } from "./worker-entry.js";

/**
 * The coordinator's gRPC Control service: worker registration, command streams, heartbeats and
 * task reports, plus the API of the CLI and the Kubernetes operator (status, metrics summary,
 * stop, cancel, savepoints).
 */
export class ControlServer {
  private server: grpc.Server | null = null;
  port = 0;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly log: Logger,
  ) {}

  async start(host: string, port: number): Promise<number> {
    const started = await startServer(host, port, (s) => addControlService(s, this.handlers()));
    this.server = started.server;
    this.port = started.port;
    this.log.info({ address: `${host}:${this.port}` }, "coordinator listening");
    return this.port;
  }

  async stop(graceMs = 1000): Promise<void> {
    if (this.server) await stopServer(this.server, graceMs);
    this.server = null;
  }

  private handlers(): ControlHandlers {
    const c = this.coordinator;
    const worker = (id: string, session: string): WorkerEntry | null => {
      const w = c.workers.get(id);
      return w && w.session === session ? w : null;
    };
    const fail = (code: grpc.status, details: string) => ({ code, details, name: "Error", message: details, metadata: new grpc.Metadata() });
    return {
      RegisterWorker: (call, cb) => {
        const { workerId, address, pid } = call.request;
        if (!workerId || !address) return cb(fail(grpc.status.INVALID_ARGUMENT, "worker_id and address are required"));
        try {
          const w = c.register(workerId, address, pid);
          cb(null, { jobName: c.manifest.name, session: w.session, heartbeatIntervalMs: c.config.heartbeatIntervalMs, heartbeatTimeoutMs: c.config.heartbeatTimeoutMs });
        } catch (err) {
          cb(fail(grpc.status.FAILED_PRECONDITION, (err as Error).message));
        }
      },
      WatchCommands: (call) => {
        const w = worker(call.request.workerId, call.request.session);
        if (!w) {
          call.emit("error", { code: grpc.status.NOT_FOUND, details: "unknown worker registration: register again" });
          return;
        }
        c.attachCommands(w, call);
      },
      Heartbeat: (call, cb) => {
        const w = worker(call.request.workerId, call.request.session);
        if (w) c.heartbeat(w, call.request.metrics);
        cb(null, { known: w !== null });
      },
      ReportTaskState: (call, cb) => {
        const r = call.request;
        const w = worker(r.workerId, r.session);
        if (w) {
          c.heartbeat(w, r.metrics);
          c.onTaskState(w, r.attempt, r.state, r.message, r.metrics, r.restoreBelow ?? 0);
        }
        cb(null, {});
      },
      GetJobStatus: (_call, cb) => cb(null, c.status()),
      GetMetricsSummary: (_call, cb) => cb(null, c.metricsSummary()),
      StopJob: (call, cb) => {
        c.requestStop("user", call.request.reason || "stop requested");
        cb(null, c.status());
      },
      AcknowledgeCheckpoint: (call, cb) => {
        const a = call.request;
        const w = worker(a.workerId, a.session);
        if (w && w.subtask >= 0) c.checkpoints.onAck(w.subtask, a.attempt, a);
        cb(null, {});
      },
      TriggerSavepoint: (call, cb) => {
        try {
          cb(null, c.triggerSavepoint(call.request.stop, call.request.reason || "savepoint requested"));
        } catch (err) {
          cb(fail(err instanceof SavepointRefused ? grpc.status.FAILED_PRECONDITION : grpc.status.INTERNAL, (err as Error).message));
        }
      },
      GetCheckpoint: (call, cb) => {
        const info = c.checkpoints.info(call.request.id);
        if (info) return cb(null, info);
        if (call.request.id !== 0) return cb(fail(grpc.status.NOT_FOUND, `no checkpoint ${call.request.id} is known to this coordinator`));
        cb(null, { id: 0, kind: "", state: "NONE", path: "", bytes: 0, triggeredAtMs: 0, durationMs: 0, error: "", attempt: 0 });
      },
      CancelJob: (call, cb) => {
        c.cancel(call.request.reason || "cancel requested");
        cb(null, c.status());
      },
    };
  }
}
