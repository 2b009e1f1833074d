import { CustomObjectsApi, type KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { AutoscalerLoop, type AutoscalerLoopOptions } from "./autoscaler/loop.js";
import { AutoscalerMetrics } from "./autoscaler/metrics.js";
import { CheckpointController, type CheckpointControllerOptions } from "./checkpoint/checkpoint-controller.js";
import { LeaderElector } from "./kube/leader.js";
import { OperatorMetrics } from "./kube/metrics.js";
import { type ControllerOptions, StreamJobController } from "./streamjob/controller.js";
import { CoordinatorClients, type CoordinatorResolver } from "./streamjob/coordinator-client.js";
import { JobTlsSecrets } from "./streamjob/job-tls.js";

export interface ManagerOptions extends Omit<ControllerOptions, "metrics" | "coordinators"> {
  /** Where each job's coordinator is reached (default: its Service); tests map it to local processes. */
  coordinatorResolver?: CoordinatorResolver;
  /**
   * Several namespaces to watch (the chart's watchNamespaces): one controller, Checkpoint
   * controller and autoscaler loop per namespace, each listing and watching only its own, so the
   * operator needs no permission outside them. Wins over `namespace` when not empty.
   */
  namespaces?: string[];
  identity: string;
  lease: { namespace: string; name: string; durationMs?: number; retryPeriodMs?: number };
  /** Checkpoint objects, periodic savepoints and status from coordinators (checkpoint-controller.ts). */
  checkpoints?: Omit<CheckpointControllerOptions, "namespace" | "coordinators">;
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
  private controllers: NamespaceControllers[] = [];
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

  /** One entry per watched namespace; `undefined` stands for all of them. */
  private scopes(): (string | undefined)[] {
    return this.opts.namespaces?.length ? this.opts.namespaces : [this.opts.namespace];
  }

  private async startController(): Promise<void> {
    if (!this.elector.isLeader || this.controllers.length > 0) return;
    this.metrics.leader.set(1);
    this.controllers = this.scopes().map((ns) => this.makeControllers(ns));
    const all = this.controllers;
    this.metrics.queueDepth = () => all.reduce((sum, c) => sum + c.queueDepth(), 0);
    for (const c of this.controllers) {
      await c.controller.start();
      await c.checkpoints.start();
      c.autoscaler.start();
    }
  }

  private makeControllers(namespace: string | undefined): NamespaceControllers {
    const scope = namespace ? { namespace } : {};
    const credentials = new JobTlsSecrets(KubernetesObjectApi.makeApiClient(this.kc));
    const coordinators = { credentials, clients: new CoordinatorClients(credentials, this.opts.coordinatorResolver) };
    const controller = new StreamJobController(
      this.kc,
      { ...this.opts, ...scope, metrics: this.metrics, coordinators },
      this.log,
    );
    // A controller points the queue-depth gauge at its own queue; the manager sums them all.
    const queueDepth = this.metrics.queueDepth;
    const checkpoints = new CheckpointController(
      this.kc,
      {
        coordinators,
        checkpointStorage: this.opts.settings.checkpointStorage,
        ...this.opts.checkpoints,
        namespace,
      },
      this.log,
    );
    const autoscaler = new AutoscalerLoop(
      this.kc,
      { ...this.opts.autoscaler, ...scope, metrics: this.autoscalerMetrics },
      this.log.child({ component: "autoscaler" }),
    );
    return { controller, checkpoints, autoscaler, queueDepth, coordinators: coordinators.clients };
  }

  private async stopController(): Promise<void> {
    this.metrics.leader.set(0);
    const running = this.controllers;
    this.controllers = [];
    await Promise.all(running.flatMap((c) => [c.controller.stop(), c.checkpoints.stop(), c.autoscaler.stop()]));
    for (const c of running) c.coordinators.closeAll();
  }
}

/** What reconciles one watched namespace (or all of them). */
interface NamespaceControllers {
  controller: StreamJobController;
  checkpoints: CheckpointController;
  autoscaler: AutoscalerLoop;
  queueDepth: () => number;
  /** The controllers' shared clients of coordinators, closed once both have stopped. */
  coordinators: CoordinatorClients;
}
