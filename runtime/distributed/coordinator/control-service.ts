import { addControlService, type ControlHandlers, grpc, startServer, stopServer } from "../../contract/rpc/loader.js";
import { NO_CHECKPOINT } from "../../contract/rpc/messages.js";
import { describeTls, type TlsSetting } from "../../contract/tls/files.js";
import type { Logger } from "../../log.js";
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

  async start(host: string, port: number, tls: TlsSetting): Promise<number> {
    const started = await startServer(host, port, tls, (s) => addControlService(s, this.handlers()));
    this.server = started.server;
    this.port = started.port;
    this.log.info({ address: `${host}:${this.port}`, transport: describeTls(tls) }, "coordinator listening");
    return this.port;
  }

  async stop(graceMs = 1000): Promise<void> {
    if (this.server) await stopServer(this.server, graceMs);
    this.server = null;
  }

  /** One handler per RPC; the table only names them. */
  private handlers(): ControlHandlers {
    return {
      RegisterWorker: this.registerWorker,
      WatchCommands: this.watchCommands,
      Heartbeat: this.heartbeat,
      ReportTaskState: this.reportTaskState,
      GetJobStatus: (_call, cb) => cb(null, this.coordinator.status()),
      GetMetricsSummary: (_call, cb) => cb(null, this.coordinator.metricsSummary()),
      StopJob: this.stopJob,
      AcknowledgeCheckpoint: this.acknowledgeCheckpoint,
      TriggerSavepoint: this.triggerSavepoint,
      GetCheckpoint: this.getCheckpoint,
      CancelJob: this.cancelJob,
      ReportOperatorView: this.reportOperatorView,
    };
  }

  /** The registered worker, if this is its current session. */
  private worker(id: string, session: string): WorkerEntry | null {
    const w = this.coordinator.workers.get(id);
    return w && w.session === session ? w : null;
  }

  private readonly registerWorker: ControlHandlers["RegisterWorker"] = (call, cb) => {
    const c = this.coordinator;
    const { workerId, address, pid } = call.request;
    if (!workerId || !address) return cb(fail(grpc.status.INVALID_ARGUMENT, "worker_id and address are required"));
    try {
      const w = c.register(workerId, address, pid);
      cb(null, {
        jobName: c.manifest.name,
        session: w.session,
        heartbeatIntervalMs: c.config.heartbeatIntervalMs,
        heartbeatTimeoutMs: c.config.heartbeatTimeoutMs,
      });
    } catch (err) {
      cb(fail(grpc.status.FAILED_PRECONDITION, (err as Error).message));
    }
  };

  private readonly watchCommands: ControlHandlers["WatchCommands"] = (call) => {
    const w = this.worker(call.request.workerId, call.request.session);
    if (!w) {
      call.emit("error", { code: grpc.status.NOT_FOUND, details: "unknown worker registration: register again" });
      return;
    }
    this.coordinator.attachCommands(w, call);
  };

  private readonly heartbeat: ControlHandlers["Heartbeat"] = (call, cb) => {
    const w = this.worker(call.request.workerId, call.request.session);
    if (w) this.coordinator.heartbeat(w, call.request.metrics);
    cb(null, { known: w !== null });
  };

  private readonly reportTaskState: ControlHandlers["ReportTaskState"] = (call, cb) => {
    const r = call.request;
    const w = this.worker(r.workerId, r.session);
    if (w) {
      this.coordinator.heartbeat(w, r.metrics);
      this.coordinator.onTaskState(w, r.attempt, r.state, r.message, r.metrics, r.restoreBelow ?? 0);
    }
    cb(null, {});
  };

  private readonly stopJob: ControlHandlers["StopJob"] = (call, cb) => {
    this.coordinator.requestStop("user", call.request.reason || "stop requested");
    cb(null, this.coordinator.status());
  };

  private readonly acknowledgeCheckpoint: ControlHandlers["AcknowledgeCheckpoint"] = (call, cb) => {
    const a = call.request;
    const w = this.worker(a.workerId, a.session);
    if (w && w.subtask >= 0) this.coordinator.checkpoints.onAck(w.subtask, a.attempt, a);
    cb(null, {});
  };

  private readonly triggerSavepoint: ControlHandlers["TriggerSavepoint"] = (call, cb) => {
    try {
      cb(null, this.coordinator.triggerSavepoint(call.request.stop, call.request.reason || "savepoint requested"));
    } catch (err) {
      cb(
        fail(
          err instanceof SavepointRefused ? grpc.status.FAILED_PRECONDITION : grpc.status.INTERNAL,
          (err as Error).message,
        ),
      );
    }
  };

  /** Checkpoint 0 means "none yet": answered as state NONE rather than as an error. */
  private readonly getCheckpoint: ControlHandlers["GetCheckpoint"] = (call, cb) => {
    const info = this.coordinator.checkpoints.info(call.request.id);
    if (info) return cb(null, info);
    if (call.request.id !== 0)
      return cb(fail(grpc.status.NOT_FOUND, `no checkpoint ${call.request.id} is known to this coordinator`));
    cb(null, NO_CHECKPOINT);
  };

  /** Kept in memory only: the operator sends it again when JobStatus shows another digest. */
  private readonly reportOperatorView: ControlHandlers["ReportOperatorView"] = (call, cb) => {
    const r = call.request;
    this.coordinator.operatorView = {
      ...r,
      decisions: r.decisions.slice(-OPERATOR_VIEW_KEEP),
      rescales: r.rescales.slice(-OPERATOR_VIEW_KEEP),
      events: r.events.slice(-OPERATOR_VIEW_KEEP),
    };
    cb(null, {});
  };

  private readonly cancelJob: ControlHandlers["CancelJob"] = (call, cb) => {
    this.coordinator.cancel(call.request.reason || "cancel requested");
    cb(null, this.coordinator.status());
  };
}

/** Entries of each list of an operator view kept; the operator sends at most 50. */
const OPERATOR_VIEW_KEEP = 100;

/** A gRPC error with the given status; `details` is what the client sees. */
function fail(code: grpc.status, details: string) {
  return { code, details, name: "Error", message: details, metadata: new grpc.Metadata() };
}
