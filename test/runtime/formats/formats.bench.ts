/**
 * Encode/decode throughput (per core: CPU seconds of this process) of the wire formats on Nexmark bids (7 columns: int64s, dictionary
 * strings, a timestamp, an empty string). Run: npx tsx test/runtime/formats/formats.bench.ts
 */
import { BidGenerator } from "../../../runtime/connectors/generator/nexmark-bid.js";
import type { Format } from "../../../runtime/contract/spec/schema.js";
import { createDecoder, createEncoder } from "../../../runtime/formats/index.js";

const BATCH = 8192;
const BATCHES = Number(process.env.BATCHES ?? 40);
const gen = new BidGenerator(7);
const batches = Array.from({ length: BATCHES }, (_, i) => gen.generate(i * BATCH, 1, BATCH));
const rows = BATCH * BATCHES;

/**
 * Seconds of CPU this process spent in fn (user + system): on a shared machine wall time mostly
 * measures the neighbours, CPU time measures the code. Wall time is printed alongside.
 */
function time(fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  wall = (performance.now() - t0) / 1000;
  return (c.user + c.system) / 1e6;
}
let wall = 0;

for (const format of ["json", "avro", "arrow"] as Format[]) {
  const enc = createEncoder(format, gen.schema);
  const dec = createDecoder(format, gen.schema);
  let messages: Buffer[][] = [];
  // Warm up, then measure.
  for (const b of batches.slice(0, 4)) dec.decode(enc.encode(b));
  const encS = time(() => (messages = batches.map((b) => enc.encode(b))));
  const encWall = wall;
  const bytes = messages.reduce((s, ms) => s + ms.reduce((t, m) => t + m.length, 0), 0);
  let decoded = 0;
  const decS = time(() => {
    for (const ms of messages) for (const b of dec.decode(ms).batches) decoded += b.numRows;
  });
  const decWall = wall;
  if (decoded !== rows) throw new Error(`${format}: decoded ${decoded} of ${rows} rows`);
  const perMsg = format === "arrow" ? ` (${BATCH} rows per message)` : ` (${(bytes / rows).toFixed(0)} bytes/message)`;
  console.log(
    `${format.padEnd(5)} encode ${(rows / encS / 1e6).toFixed(2)} M rows/s (wall ${(rows / encWall / 1e6).toFixed(2)}), ` +
      `decode ${(rows / decS / 1e6).toFixed(2)} M rows/s (wall ${(rows / decWall / 1e6).toFixed(2)})${perMsg}`,
  );
}
