import { Counter, type Registry } from "prom-client";
import { REJECT_REASONS, type RejectReason } from "./frame-check.js";

/**
 * sabot_exchange_rejected_frames_total{reason}: frames and requests a worker's exchange refused
 * (frame-check.ts). One counter per process, shown on every registry it is registered with (the
 * worker's), so the receiving and the serving side count into the same series.
 */
const NAME = "sabot_exchange_rejected_frames_total";
const counter = new Counter({
  name: NAME,
  help: "Exchange frames (receiving side) and requests (serving side) refused as malformed or against the protocol, by reason",
  labelNames: ["reason"],
  registers: [],
});
for (const reason of REJECT_REASONS) counter.inc({ reason }, 0);

export function countRejected(reason: RejectReason): void {
  counter.inc({ reason });
}

/** Adds the counter to a worker's registry (once per registry). */
export function registerRejectedFrames(registry: Registry): void {
  if (!registry.getSingleMetric(NAME)) registry.registerMetric(counter);
}

/** The current count for a reason (tests, logs). */
export async function rejectedFrames(reason: RejectReason): Promise<number> {
  const values = (await counter.get()).values;
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}
