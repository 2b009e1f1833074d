import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseManifest, type StreamJobManifest } from "../../runtime/contract/spec/manifest.js";

/**
 * The StreamJobs the checkpoint and recovery tests run, as manifest text: windows over a
 * generator, whose results do not depend on batching or timing (the generator's jitter stays
 * within maxOutOfOrderness, so no record is late). Tests name only what they vary.
 */

type Flow = Record<string, string | number | undefined>;

/** A YAML flow mapping of the set entries: `{ a: 1, b: x }`. */
function flow(entries: Flow): string {
  const set = Object.entries(entries).filter(([, v]) => v !== undefined);
  return `{ ${set.map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
}

/** A StreamJob manifest's text: the header, then `spec`, indented two spaces under `spec:`. */
export function streamJobYaml(name: string, spec: string): string {
  return `apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: { name: ${name} }\nspec:\n${spec}`;
}

export interface Checkpointing {
  interval: string;
  storage: string;
  mode?: "exactly-once" | "at-least-once";
  retain?: number;
  timeout?: string;
}

/** The `checkpointing:` line of a spec; empty without checkpoints. */
export function checkpointingYaml(c: Checkpointing | undefined): string {
  if (!c) return "";
  const { interval, timeout, storage, ...rest } = c;
  return `  checkpointing: ${flow({ interval, timeout, storage: JSON.stringify(storage), ...rest })}\n`;
}

export interface CardWindowJob {
  name: string;
  seed: number;
  batchSize: number;
  count?: number;
  rate?: number;
  aggregate?: string[];
  /** The `out` sink; a console sink printing nothing by default. */
  sink?: string;
  checkpointing?: Checkpointing;
}

/**
 * Card transactions from a generator (2 splits), keyed by country, in 200 ms tumbling windows, to
 * sink `out`.
 */
export function cardWindowYaml(j: CardWindowJob): string {
  const generator = {
    kind: "card-transactions",
    seed: j.seed,
    partitions: 2,
    batchSize: j.batchSize,
    count: j.count,
    ratePerSecond: j.rate,
  };
  const aggregate = j.aggregate ?? ["count(*) AS n", "max(amount) AS top"];
  return streamJobYaml(
    j.name,
    `  sources:
    tx:
      generator: ${flow(generator)}
      eventTime: { field: ts, maxOutOfOrderness: 500ms }
  pipeline:
    - { from: tx, keyBy: [country] }
    - window: { type: tumbling, size: 200ms }
      aggregate: ${JSON.stringify(aggregate)}
    - to: out
  sinks:
    out: ${j.sink ?? "{ console: { maxRows: 0 } }"}
${checkpointingYaml(j.checkpointing)}`,
  );
}

export const cardWindowJob = (j: CardWindowJob): StreamJobManifest => parseManifest(cardWindowYaml(j));

export interface AuctionWindowJob {
  name: string;
  seed: number;
  count?: number;
  partitions: number;
  batchSize?: number;
  rate?: number;
  maxOutOfOrderness: string;
  /** A filter before keyBy. */
  filter?: string;
  aggregate: string[];
  /** Also sums the 1 s windows per 2 s into sink `totals` (a second, unkeyed window). */
  totals?: boolean;
  checkpointing?: Checkpointing;
  /** More spec lines (indented two spaces), e.g. a restartStrategy. */
  extra?: string;
}

const TOTALS_STEPS = `    - from: per_auction
      select: [bids, top, window_end]
    - window: { type: tumbling, size: 2s }
      aggregate: ["sum(bids) AS bids", "max(top) AS top"]
    - to: totals
`;

/** Nexmark bids keyed by auction in 1 s tumbling windows, to console sink `out` (and `totals`). */
export function auctionWindowYaml(j: AuctionWindowJob): string {
  const generator = {
    kind: "nexmark-bid",
    seed: j.seed,
    count: j.count,
    partitions: j.partitions,
    batchSize: j.batchSize,
    ratePerSecond: j.rate,
  };
  const keyBy = j.filter
    ? `- { from: bids, filter: "${j.filter}" }\n    - keyBy: [auction]`
    : "- { from: bids, keyBy: [auction] }";
  const silent = "{ console: { maxRows: 0 } }";
  return streamJobYaml(
    j.name,
    `  sources:
    bids:
      generator: ${flow(generator)}
      eventTime: { field: dateTime, maxOutOfOrderness: ${j.maxOutOfOrderness} }
  pipeline:
    ${keyBy}
    - window: { type: tumbling, size: 1s }
      aggregate: ${JSON.stringify(j.aggregate)}
${j.totals ? "      as: per_auction\n" : ""}    - to: out
${j.totals ? TOTALS_STEPS : ""}  sinks:
    out: ${silent}
${j.totals ? `    totals: ${silent}\n` : ""}${checkpointingYaml(j.checkpointing)}${j.extra ?? ""}`,
  );
}

export const auctionWindowJob = (j: AuctionWindowJob): StreamJobManifest => parseManifest(auctionWindowYaml(j));

/**
 * The card windows to Arrow files in `out`, 40,000 transactions at `rate`; with `checkpoints`,
 * exactly-once with checkpoints in `<dir>/chk` every 150 ms.
 */
export function filesWindowYaml(name: string, dir: string, out: string, rate: number, checkpoints: boolean): string {
  return cardWindowYaml({
    name,
    seed: 5,
    batchSize: 500,
    count: 40000,
    rate,
    sink: `{ files: { path: "${out}", format: arrow } }`,
    checkpointing: checkpoints
      ? { interval: "150ms", storage: pathToFileURL(join(dir, "chk")).href, mode: "exactly-once" }
      : undefined,
  });
}
