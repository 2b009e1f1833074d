import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A counter of outcomes: each metric below that counts by "result" is made the same way. */
function resultCounter(registry: Registry, name: string, help: string): Counter<"result"> {
  return new Counter({ name, help, labelNames: ["result"] as const, registers: [registry] });
}

/** The operator's own metrics, on a registry per controller (tests run two in one process). */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = resultCounter(
    this.registry,
    "sabot_operator_reconciles_total",
    "StreamJob reconciles, by result (success, error, requeue).",
  );
  readonly childApplies = resultCounter(
    this.registry,
    "sabot_operator_child_applies_total",
    "Reconciles that server-side applied a job's children (applied), or found them as they would apply them (skipped).",
  );
  readonly statusWrites = resultCounter(
    this.registry,
    "sabot_operator_status_writes_total",
    "StreamJob reconciles that wrote the status (written), or found it as they would write it and sent nothing (unchanged).",
  );
  readonly duration = new Histogram({
    name: "sabot_operator_reconcile_duration_seconds",
    help: "Time one StreamJob reconcile took.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "sabot_operator_leader",
    help: "1 while this replica holds the leader Lease.",
    registers: [this.registry],
  });

  /** Set by whichever controller runs now (one per leadership term). */
  queueDepth: () => number = () => 0;

  constructor() {
    const depth = () => this.queueDepth();
    new Gauge({
      name: "sabot_operator_queue_depth",
      help: "StreamJob keys waiting in the work queue.",
      registers: [this.registry],
      collect() {
        this.set(depth());
      },
    });
  }
}
