import type { JobState, JobStatus, MetricsSummary } from "../../runtime/contract/rpc/messages.js";

/**
 * What the operator copies from a coordinator into the StreamJob's status must make sense first:
 * protobuf guarantees types, not values, and a coordinator answering garbage (a bug, a rogue
 * process at its address) would otherwise put it in the status, or make every status patch fail.
 */
/** The reason of the Warning Event that says so on the StreamJob. */
export const COORDINATOR_NONSENSE = "CoordinatorNonsense";

const STATES: ReadonlySet<JobState> = new Set([
  "WAITING_FOR_WORKERS",
  "DEPLOYING",
  "RUNNING",
  "STOPPING",
  "COMMITTING",
  "RESTARTING",
  "FINISHED",
  "STOPPED",
  "CANCELED",
  "FAILED",
]);
/** A checkpoint folder URL as the coordinator reports it; longer paths are not ours. */
const MAX_PATH = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
const PATH = /^(s3|file):\/\/[^\u0000-\u001f\u007f]+$/;
/** The largest time a Date holds (ms since the epoch). */
const MAX_TIME_MS = 8.64e15;

const count = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Why the answers cannot be trusted, or null when they can. */
export function coordinatorAnswerProblem(job: JobStatus, metrics: MetricsSummary): string | null {
  if (!STATES.has(job.state)) return `an unknown job state ${JSON.stringify(String(job.state)).slice(0, 64)}`;
  const numbers: [string, unknown][] = [
    ["attempt", job.attempt],
    ["metrics attempt", metrics.attempt],
    ["recordsIn", metrics.total?.recordsIn],
    ["recordsOut", metrics.total?.recordsOut],
    ["consumerLag", metrics.total?.consumerLag],
  ];
  const badNumber = numbers.find(([, v]) => !count(v));
  if (badNumber) return `${badNumber[0]} = ${String(badNumber[1])}, not a count`;
  const cp = job.lastCheckpoint;
  if (cp && cp.state === "COMPLETED") {
    if (typeof cp.path !== "string" || cp.path.length > MAX_PATH || !PATH.test(cp.path))
      return `a last checkpoint path that is no s3:// or file:// URL of at most ${MAX_PATH} characters`;
    const at = cp.triggeredAtMs + cp.durationMs;
    if (!count(cp.triggeredAtMs) || !count(cp.durationMs) || at > MAX_TIME_MS)
      return `a last checkpoint time of ${String(cp.triggeredAtMs)} + ${String(cp.durationMs)} ms`;
  }
  return null;
}
