import { Counter, Gauge, type Registry } from "prom-client";

/** The autoscaler's metrics, registered in the operator's registry (served on its /metrics). */
export class AutoscalerMetrics {
  readonly current: Gauge<"namespace" | "job_name">;
  readonly recommended: Gauge<"namespace" | "job_name">;
  readonly decisions: Counter<"reason">;

  constructor(registry: Registry) {
    this.current = new Gauge({
      name: "sabot_operator_autoscaler_current_parallelism",
      help: "spec.parallelism of an autoscaled StreamJob when last evaluated.",
      labelNames: ["namespace", "job_name"] as const,
      registers: [registry],
    });
    this.recommended = new Gauge({
      name: "sabot_operator_autoscaler_recommended_parallelism",
      help: "The parallelism the autoscaler last recommended (equal to current while it holds or cannot decide).",
      labelNames: ["namespace", "job_name"] as const,
      registers: [registry],
    });
    this.decisions = new Counter({
      name: "sabot_operator_autoscaler_decisions_total",
      help: "Autoscaler evaluations by reason (ScaleUp, ScaleDown, Steady, ... or why it could not decide).",
      labelNames: ["reason"] as const,
      registers: [registry],
    });
  }

  /** A job no longer autoscaled (deleted, disabled) stops exporting its gauges. */
  forget(namespace: string, jobName: string): void {
    this.current.remove({ namespace, job_name: jobName });
    this.recommended.remove({ namespace, job_name: jobName });
  }
}
