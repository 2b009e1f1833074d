import { ControlClient, grpc } from "../../contract/rpc/loader.js";
import {
  type Deploy,
  emptyMetrics,
  type TaskState,
  type WorkerCommand,
  type WorkerMetrics,
} from "../../contract/rpc/messages.js";
import { parseManifest } from "../../contract/spec/manifest.js";
import { describeTls, requireTls, type TlsSetting } from "../../contract/tls/files.js";
import type { SubtaskAck } from "../../engine/task-checkpoints.js";
import { RestoreBoundError } from "../../engine/task-restore.js";
import { type Logger, log as rootLog } from "../../log.js";
import { EngineMetrics } from "../../metrics/metrics.js";
import { planManifest } from "../../planner/validate.js";
import type { WorkerConfig } from "../config.js";
import { registerRejectedFrames } from "../exchange/rejections.js";
import { ExchangeServer } from "../exchange/server.js";
import { CancelledError, SubtaskRun, type SubtaskRunOptions } from "./subtask-run.js";

export interface WorkerOptions {
  log?: Logger;
  metrics?: EngineMetrics;
  sinkFactory?: SubtaskRunOptions["sinkFactory"];
  /** How the process ends (tests pass their own). */
  exit?: (code: number) => void;
}

/**
 * A worker process: serves the exchange, registers with the coordinator, runs the subtask the
 * coordinator deploys (one subtask of every vertex), heartbeats, and reports task states.
 * Commands are handled one at a time in arrival order.
 *
 * SIGTERM (terminate()): the worker asks the coordinator for a graceful stop of the job and stops
 * its own sources at once; it exits 0 after the coordinator's commit (every subtask drained and
 * flushed, offsets committed) or cancel, or 1 if that takes longer than the shutdown timeout.
 * With exactly-once sinks its sources keep reading until the coordinator cancels the attempt (see
 * Coordinator.stopAtLastCheckpoint).
 */
export class Worker {
  private readonly log: Logger;
  private readonly metrics: EngineMetrics;
  private readonly exchange: ExchangeServer;
  private readonly control: ControlClient;
  private readonly tls: TlsSetting;
  private address = "";
  private session = "";
  private heartbeatMs = 1000;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private commands: grpc.ClientReadableStream<WorkerCommand> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private run: SubtaskRun | null = null;
  private teardown: Promise<void> = Promise.resolve();
  private lastMetrics: WorkerMetrics = emptyMetrics();
  private terminating = false;
  private exiting = false;
  private reconnecting = false;
  private shutdownRequested = false;

  constructor(
    readonly config: WorkerConfig,
    private readonly opts: WorkerOptions = {},
  ) {
    this.log = (opts.log ?? rootLog).child({ worker: config.workerId });
    this.metrics = opts.metrics ?? new EngineMetrics();
    this.exchange = new ExchangeServer(this.log);
    registerRejectedFrames(this.metrics.registry);
    this.tls = requireTls(config.tls, "the worker");
    this.control = new ControlClient(config.coordinatorAddress, this.tls);
  }

  async start(): Promise<void> {
    const port = await this.exchange.listen(this.config.bindAddress, this.config.port, this.tls);
    this.address = this.config.advertisedAddress ?? `${this.config.bindAddress}:${port}`;
    this.log.info(
      { address: this.address, coordinator: this.config.coordinatorAddress, transport: describeTls(this.tls) },
      "worker exchange listening",
    );
    await this.connect();
  }

  /** Registers (retrying until the coordinator answers) and starts watching commands. */
  private async connect(): Promise<void> {
    const deadline = Date.now() + this.config.coordinatorTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.control.registerWorker(
          { workerId: this.config.workerId, address: this.address, pid: process.pid },
          3000,
        );
        if (this.session !== "") this.exchange.reset();
        this.session = res.session;
        this.heartbeatMs = res.heartbeatIntervalMs;
        this.log.info({ job: res.jobName, session: res.session }, "registered with the coordinator");
        this.idle = false;
        this.shutdownRequested = false;
        break;
      } catch (err) {
        const e = err as Error & { code?: number };
        // The job is over (FINISHED, STOPPED, ...): nothing left to run here.
        if (e.code === grpcStatus.FAILED_PRECONDITION) return this.jobOver(e.message);
        if (Date.now() > deadline)
          throw new Error(`cannot register with the coordinator at ${this.config.coordinatorAddress}: ${e.message}`, {
            cause: err,
          });
        this.log.debug({ err: e.message }, "coordinator not reachable yet");
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
    this.watch();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
  }

  private watch(): void {
    const stream = this.control.watchCommands({ workerId: this.config.workerId, session: this.session });
    this.commands = stream;
    stream.on("data", (cmd: WorkerCommand) => {
      // The coordinator closes the stream right after a shutdown: that is not a lost coordinator.
      if (cmd.command === "shutdown") this.shutdownRequested = true;
      this.chain = this.chain
        .then(() => this.handle(cmd))
        .catch((err: unknown) => this.log.error({ err }, "handling a command failed"));
    });
    const lost = (why: string) => {
      if (this.commands !== stream) return;
      this.commands = null;
      void this.lostCoordinator(why);
    };
    stream.on("error", (err: Error) => lost(err.message));
    stream.on("end", () => lost("command stream ended"));
  }

  /** The coordinator went away or forgot us: cancel what runs (it restarts the job) and register again. */
  private async lostCoordinator(why: string): Promise<void> {
    if (this.exiting || this.reconnecting || this.shutdownRequested) return;
    this.reconnecting = true;
    this.log.warn({ why }, "lost the coordinator");
    try {
      const run = this.run;
      if (run) {
        this.run = null;
        await run.cancel("lost the coordinator");
      }
      if (this.terminating) return this.exit(0, "terminating without a coordinator");
      await this.connect();
    } catch (err) {
      this.log.error({ err }, "giving up on the coordinator");
      this.exit(1, "coordinator unreachable");
    } finally {
      this.reconnecting = false;
    }
  }

  private async handle(cmd: WorkerCommand): Promise<void> {
    if ("deploy" in cmd && cmd.command === "deploy") return this.deploy(cmd.deploy);
    const run = this.run;
    if ("stop" in cmd && cmd.command === "stop") {
      if (run?.deployment.attempt === cmd.stop.attempt) run.stop();
    } else if ("commit" in cmd && cmd.command === "commit") {
      if (run?.deployment.attempt !== cmd.commit.attempt) return;
      try {
        await run.commit();
      } catch (err) {
        // Nothing is lost: the attempt fails and the next one replays from the last commit.
        this.log.error({ err }, "committing source offsets failed");
        this.run = null;
        await run.cancel("commit failed");
        return this.report(
          cmd.commit.attempt,
          "TASK_FAILED",
          `committing source offsets failed: ${(err as Error).message}`,
        );
      }
      this.lastMetrics = run.summary();
      this.run = null;
      await this.report(cmd.commit.attempt, "TASK_FINISHED", "offsets committed");
      if (this.terminating) this.exit(0, "stopped gracefully");
    } else if ("cancel" in cmd && cmd.command === "cancel") {
      if (run?.deployment.attempt !== cmd.cancel.attempt) return;
      this.run = null;
      await run.cancel(cmd.cancel.reason);
      await this.report(cmd.cancel.attempt, "TASK_CANCELED", cmd.cancel.reason);
      if (this.terminating) this.exit(0, "cancelled while terminating");
    } else if ("triggerCheckpoint" in cmd && cmd.command === "triggerCheckpoint") {
      if (run?.deployment.attempt === cmd.triggerCheckpoint.attempt) run.triggerCheckpoint(cmd.triggerCheckpoint);
    } else if ("checkpointComplete" in cmd && cmd.command === "checkpointComplete") {
      const { attempt, checkpointId } = cmd.checkpointComplete;
      if (run?.deployment.attempt !== attempt) return;
      try {
        await run.checkpointComplete(checkpointId);
      } catch (err) {
        // The checkpoint exists, but this subtask could not commit what it covers: the attempt
        // fails and restarts from it (see RestoreBoundError for exactly-once sinks).
        run.fail(new Error(`committing checkpoint ${checkpointId} failed: ${(err as Error).message}`, { cause: err }));
      }
    } else if ("checkpointAborted" in cmd && cmd.command === "checkpointAborted") {
      if (run?.deployment.attempt === cmd.checkpointAborted.attempt)
        run.checkpointAborted(cmd.checkpointAborted.checkpointId);
    } else if ("shutdown" in cmd && cmd.command === "shutdown") {
      if (run) await run.cancel(`shutdown: ${cmd.shutdown.reason}`);
      this.jobOver(`coordinator: ${cmd.shutdown.reason}`);
    }
  }

  private async deploy(d: Deploy): Promise<void> {
    if (this.run) {
      const old = this.run;
      this.run = null;
      await old.cancel(`attempt ${d.attempt} replaces it`);
    }
    // A run that failed by itself may still be tearing down: let it finish first.
    await this.teardown;
    const log = this.log.child({ attempt: d.attempt, subtask: d.subtask });
    let run: SubtaskRun;
    try {
      const manifest = parseManifest(d.manifestJson, "deployed manifest");
      const plan = planManifest(manifest);
      run = new SubtaskRun(
        {
          jobName: manifest.name,
          attempt: d.attempt,
          subtask: d.subtask,
          parallelism: d.parallelism,
          peers: d.peers,
          plan,
          restoreFrom: d.restoreFrom,
        },
        {
          metrics: this.metrics,
          log,
          exchange: this.exchange,
          credits: this.config.credits,
          tls: this.tls,
          channelBufferRows: this.config.channelBufferRows,
          frameRows: this.config.frameRows,
          sinkBufferRows: this.config.sinkBufferRows,
          sinkFactory: this.opts.sinkFactory,
          ack: (a) => void this.acknowledge(d.attempt, a),
        },
      );
    } catch (err) {
      await this.report(d.attempt, "TASK_FAILED", (err as Error).message);
      return;
    }
    this.run = run;
    log.info({ parallelism: d.parallelism }, "deploying subtask");
    if (this.terminating) this.leave(run);
    run
      .run(() => void this.report(d.attempt, "TASK_RUNNING", ""))
      .then(
        () => this.report(d.attempt, "TASK_DRAINED", ""),
        async (err: unknown) => {
          if (err instanceof CancelledError) return;
          log.error({ err }, "subtask failed");
          if (this.run === run) this.run = null;
          const teardown = run.cancel("failed");
          this.teardown = this.teardown.then(() => teardown);
          await this.report(
            d.attempt,
            "TASK_FAILED",
            (err as Error).message,
            err instanceof RestoreBoundError ? err.below : 0,
          );
        },
      )
      .catch((err: unknown) => log.error({ err }, "reporting a task state failed"));
  }

  private async acknowledge(attempt: number, a: SubtaskAck): Promise<void> {
    const req = {
      workerId: this.config.workerId,
      session: this.session,
      attempt,
      checkpointId: a.checkpointId,
      error: a.error,
      stateJson: JSON.stringify(a.state),
      sourcesJson: JSON.stringify(a.sources),
      alignmentMs: a.alignmentMs ?? 0,
    };
    try {
      await this.control.acknowledgeCheckpoint(req);
    } catch (err) {
      // The coordinator times the checkpoint out; the job goes on.
      this.log.warn({ err: (err as Error).message, checkpoint: a.checkpointId }, "acknowledging a checkpoint failed");
    }
  }

  private async report(attempt: number, state: TaskState, message: string, restoreBelow = 0): Promise<void> {
    const metrics = this.run?.summary() ?? this.lastMetrics;
    for (let i = 0; i < 3; i++) {
      try {
        await this.control.reportTaskState(
          { workerId: this.config.workerId, session: this.session, attempt, state, message, metrics, restoreBelow },
          3000,
        );
        return;
      } catch (err) {
        this.log.warn({ err: (err as Error).message, state }, "reporting a task state failed");
        await sleep(200 * 2 ** i);
      }
    }
  }

  private async heartbeat(): Promise<void> {
    const run = this.run;
    const metrics = run
      ? await run.detailedSummary(this.metrics)
      : { ...this.lastMetrics, rssBytes: process.memoryUsage.rss() };
    try {
      const res = await this.control.heartbeat(
        { workerId: this.config.workerId, session: this.session, attempt: run?.deployment.attempt ?? 0, metrics },
        Math.max(1000, this.heartbeatMs),
      );
      if (!res.known && !this.exiting) void this.lostCoordinator("the coordinator does not know this registration");
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "heartbeat failed");
    }
  }

  /** SIGTERM: stop gracefully (see the class comment). */
  terminate(): void {
    if (this.terminating) return;
    this.terminating = true;
    const run = this.run;
    this.log.info({ running: run !== null }, "terminating");
    if (!run) return this.exit(0, "terminated while idle");
    this.leave(run);
    setTimeout(
      () => this.exit(1, `not stopped within ${this.config.shutdownTimeoutMs} ms`),
      this.config.shutdownTimeoutMs,
    ).unref();
  }

  /**
   * Asks the coordinator to stop the job because this worker leaves. Sources stop here at once,
   * except with exactly-once sinks: the coordinator then cancels the attempt, and a local drain
   * would meanwhile fire open windows at the end-of-time watermark, output that a checkpoint still
   * in flight could take in although the restart goes on with those windows.
   */
  private leave(run: SubtaskRun): void {
    if (!run.exactlyOnce) run.stop();
    void this.report(run.deployment.attempt, "TASK_STOPPING", "worker received SIGTERM");
  }

  /**
   * The job is over: exit, or with SABOT_LINGER stay up and keep asking to register, so that a
   * pod is not restarted into a crash loop and joins the next coordinator the operator deploys
   * (an upgrade or rollback may replace the coordinator but not this pod).
   */
  private jobOver(why: string): void {
    if (!this.config.linger || this.terminating) return this.exit(0, why);
    if (!this.idle) this.log.info({ why }, "the job is over: waiting for a coordinator with work (SABOT_LINGER)");
    this.idle = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (this.rejoin) return;
    this.rejoin = setTimeout(() => {
      this.rejoin = null;
      if (this.exiting || this.terminating) return;
      this.connect().catch((err: unknown) => this.jobOver(`no coordinator: ${(err as Error).message}`));
    }, 2000);
  }
  private idle = false;
  private rejoin: NodeJS.Timeout | null = null;

  private exit(code: number, why: string): void {
    if (this.exiting) return;
    this.exiting = true;
    this.log.info({ code, why }, "worker exiting");
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.rejoin) clearTimeout(this.rejoin);
    this.commands?.cancel();
    this.commands = null;
    const done = async () => {
      await this.exchange.close(500);
      this.control.close();
      (this.opts.exit ?? ((c: number) => process.exit(c)))(code);
    };
    void done();
  }
}

const grpcStatus = grpc.status;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
