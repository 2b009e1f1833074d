import { startChange } from "./change.js";
import { running } from "./running.js";
import { savepointing } from "./savepointing.js";
import { deployedSpec } from "./spec.js";
import { stay } from "./steps.js";
import { suspended } from "./suspended.js";
import type { StateFn } from "./types.js";

/** Suspending: the stop-with-savepoint in flight, then scaling to zero. */
export const suspending: StateFn = async (ctx) => {
  const up = ctx.job.status?.upgrade;
  if (up?.phase === "Savepointing") return savepointing(ctx, up);
  if (deployedSpec(ctx.job)?.state !== "suspended") return running(ctx);
  if (ctx.job.spec.state !== "suspended") return (await startChange(ctx, false)) ?? running(ctx);
  if (ctx.cluster.scaledDown) return suspended(ctx);
  return stay(ctx, "Suspending", {});
};
