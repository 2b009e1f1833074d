import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { AutoscalerLoop, type AutoscalerLoopOptions } from "./autoscaler/loop.js";
import { AutoscalerMetrics } from "./autoscaler/metrics.js";
import { CheckpointController, type CheckpointControllerOptions } from "./checkpoint/checkpoint-controller.js";
import { LeaderElector } from "./kube/leader.js";
import { OperatorMetrics } from "./kube/metrics.js";
import { type ControllerOptions, StreamJobController } from "./streamjob/controller.js";

export interface ManagerOptions extends Omit<ControllerOptions, "metrics"> {
  identity: string;
  lease: { namespace: string; name: string; durationMs?: number; retryPeriodMs?: number };
  /** Checkpoint objects, periodic savepoints and status from coordinators (checkpoint-controller.ts). */
  checkpoints?: Omit<CheckpointControllerOptions, "namespace">;
  /** The autoscaler loop's timing (tests); it runs with the controller, on the leader only. */
  autoscaler?: Omit<AutoscalerLoopOptions, "metrics" | "namespace">;
}

/**
 * One operator replica: takes part in leader election and runs a controller only while it holds
 * the Lease. Losing the Lease stops the controller at once (its queue drops pending keys; the next
 * leader re-lists everything).
 */
export class OperatorManager {
  readonly metrics = new OperatorMetrics();
  readonly autoscalerMetrics = new AutoscalerMetrics(this.metrics.registry);
  private controller?: StreamJobController;
  private autoscaler?: AutoscalerLoop;
  private checkpointController?: CheckpointController;
  private readonly elector: LeaderElector;
  /** Serializes start/stop of the controller across leadership flaps. */
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: ManagerOptions,
    private readonly log: Logger,
  ) {
    const durationMs = opts.lease.durationMs ?? 15_000;
    this.elector = new LeaderElector(
      kc.makeApiClient(CustomObjectsApi),
      {
        namespace: opts.lease.namespace,
        name: opts.lease.name,
        identity: opts.identity,
        leaseDurationMs: durationMs,
        retryPeriodMs: opts.lease.retryPeriodMs ?? Math.max(200, Math.floor(durationMs / 5)),
        onStartedLeading: () => this.chain(() => this.startController()),
        onStoppedLeading: () => this.chain(() => this.stopController()),
      },
      log,
    );
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
    await this.chain(() => this.stopController());
  }

  private chain(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition
      .then(step)
      .catch((err: unknown) => this.log.error({ err }, "controller start/stop failed"));
    return this.transition;
  }

  private async startController(): Promise<void> {
    if (!this.elector.isLeader || this.controller) return;
    this.metrics.leader.set(1);
    this.controller = new StreamJobController(this.kc, { ...this.opts, metrics: this.metrics }, this.log);
    await this.controller.start();
    this.checkpointController = new CheckpointController(
      this.kc,
      {
        coordinatorResolver: this.opts.coordinatorResolver,
        checkpointStorage: this.opts.settings.checkpointStorage,
        ...this.opts.checkpoints,
        namespace: this.opts.namespace,
      },
      this.log,
    );
    await this.checkpointController.start();
    this.autoscaler = new AutoscalerLoop(
      this.kc,
      {
        ...this.opts.autoscaler,
        ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
        metrics: this.autoscalerMetrics,
      },
      this.log.child({ component: "autoscaler" }),
    );
    this.autoscaler.start();
  }

  private async stopController(): Promise<void> {
    this.metrics.leader.set(0);
    const c = this.controller;
    this.controller = undefined;
    const cc = this.checkpointController;
    this.checkpointController = undefined;
    const a = this.autoscaler;
    this.autoscaler = undefined;
    await Promise.all([c?.stop(), cc?.stop(), a?.stop()]);
  }
}
