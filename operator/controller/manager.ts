import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type ControllerOptions, StreamJobController } from "./controller.js";
import { LeaderElector } from "./leader.js";
import { OperatorMetrics } from "./metrics.js";

export interface ManagerOptions extends Omit<ControllerOptions, "metrics"> {
  identity: string;
  lease: { namespace: string; name: string; durationMs?: number; retryPeriodMs?: number };
}

/**
 * One operator replica: takes part in leader election and runs a controller only while it holds
 * the Lease. Losing the Lease stops the controller at once (its queue drops pending keys; the next
 * leader re-lists everything).
 */
export class OperatorManager {
  readonly metrics = new OperatorMetrics();
  private controller?: StreamJobController;
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
    this.transition = this.transition.then(step).catch((err: unknown) => this.log.error({ err }, "controller start/stop failed"));
    return this.transition;
  }

  private async startController(): Promise<void> {
    if (!this.elector.isLeader || this.controller) return;
    this.metrics.leader.set(1);
    this.controller = new StreamJobController(this.kc, { ...this.opts, metrics: this.metrics }, this.log);
    await this.controller.start();
  }

  private async stopController(): Promise<void> {
    this.metrics.leader.set(0);
    const c = this.controller;
    this.controller = undefined;
    await c?.stop();
  }
}
