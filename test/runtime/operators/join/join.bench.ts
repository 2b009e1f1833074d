/**
 * Micro-benchmark of the join operators, runnable with `npx tsx test/runtime/operators/join/join.bench.ts`.
 *
 * Window join: Nexmark q8-like. Persons (id, name, dateTime) join auctions (id, seller, reserve,
 * dateTime) on person.id = auction.seller within 10s tumbling windows. One person per three
 * auctions as in Nexmark; each auction's seller is one of the last 1000 persons (10% one of a few
 * hot sellers), so most auctions find their seller in the same window. Events arrive in 8192-row
 * batches per stream with a watermark after each pair of batches.
 *
 * Lookup join: the same auctions enriched with a table of persons (left join).
 *
 * Interval join: the same persons and auctions, an auction matching its seller when it opened at
 * most 10 s after the person (person time - auction time in [-10 s, 0]); regular join: every
 * auction with its seller, with a 10 s state TTL and without one (all rows kept).
 *
 * Prints events/s (input rows of both sides per second of operator time, output included).
 * Optional arguments: total events (default 1,000,000) and runs (default 5).
 */
import { Field, Int64, type RecordBatch, Schema, TimestampMillisecond, Utf8 } from "apache-arrow";
import { IntervalJoinOperator } from "../../../../runtime/operators/join/interval-join.js";
import { LookupJoinOperator } from "../../../../runtime/operators/join/lookup-join.js";
import { RegularJoinOperator } from "../../../../runtime/operators/join/regular-join.js";
import { WindowJoinOperator } from "../../../../runtime/operators/join/window-join.js";
import type { Operator } from "../../../../runtime/operators/operator.js";
import { int64Data, timestampData, utf8Data } from "../../../../runtime/types/builders.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { Rng } from "./join-data.js";

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const BATCH = 8192;
/** Event-time ms between consecutive events: 1M events span 100 s, ten 10 s windows. */
const EVENT_GAP_MS = 0.1;

const persons = new Schema([
  new Field("id", new Int64(), false),
  new Field("name", new Utf8(), false),
  new Field("dateTime", new TimestampMillisecond(), false),
]);
const auctions = new Schema([
  new Field("id", new Int64(), false),
  new Field("seller", new Int64(), false),
  new Field("reserve", new Int64(), false),
  new Field("dateTime", new TimestampMillisecond(), false),
]);

type Step = { input: 0 | 1; batch: RecordBatch } | { watermark: number };

function generate(total: number): Step[] {
  const rng = new Rng(42);
  const nPersons = Math.floor(total / 4);
  const nAuctions = total - nPersons;
  const steps: Step[] = [];
  let person = 0;
  let auction = 0;
  let lastTime = 0;
  while (person < nPersons || auction < nAuctions) {
    // One batch of each stream covering the same stretch of event time.
    const pn = Math.min(Math.floor(BATCH / 3), nPersons - person);
    const an = Math.min(BATCH, nAuctions - auction);
    if (pn > 0) {
      const ids = new Float64Array(pn);
      const names: string[] = new Array(pn);
      const times = new Float64Array(pn);
      for (let i = 0; i < pn; i++) {
        const id = person + i;
        ids[i] = 1000 + id;
        names[i] = `person ${id % 7919} ${id}`;
        times[i] = Math.floor((id * 4 + 1) * EVENT_GAP_MS);
      }
      steps.push({ input: 0, batch: makeBatch(persons, [int64Data(ids), utf8Data(names), timestampData(times)], pn) });
      person += pn;
    }
    if (an > 0) {
      const ids = new Float64Array(an);
      const sellers = new Float64Array(an);
      const reserve = new Float64Array(an);
      const times = new Float64Array(an);
      for (let i = 0; i < an; i++) {
        const a = auction + i;
        const seq = Math.floor(a / 3) * 4 + 2 + (a % 3);
        const latest = Math.max(0, Math.floor(seq / 4) - 1);
        ids[i] = a;
        sellers[i] = 1000 + (rng.chance(0.1) ? latest - (latest % 100) : Math.max(0, latest - rng.range(0, 1000)));
        reserve[i] = 100 + rng.range(0, 10_000);
        times[i] = Math.floor(seq * EVENT_GAP_MS);
      }
      steps.push({
        input: 1,
        batch: makeBatch(auctions, [int64Data(ids), int64Data(sellers), int64Data(reserve), timestampData(times)], an),
      });
      auction += an;
      lastTime = times[an - 1];
    }
    steps.push({ watermark: lastTime - 1 });
  }
  steps.push({ watermark: Infinity });
  return steps;
}

function windowJoin(steps: Step[]): { seconds: number; out: number; late: number } {
  return streamJoin(
    steps,
    () => new WindowJoinOperator({ ...STREAM_JOIN, name: "bench.q8", window: { type: "tumbling", size: "10s" } }),
  );
}

function lookupJoin(steps: Step[]): { seconds: number; out: number } {
  const op = new LookupJoinOperator({
    name: "bench.lookup",
    input: { schema: auctions, timeField: "dateTime" },
    table: { schema: persons },
    tableName: "person",
    key: ["seller"],
    tableKey: ["id"],
    type: "left",
    maxParallelism: 128,
  });
  let out = 0;
  const t0 = process.hrtime.bigint();
  // Persons first as table updates, auctions as the stream: the same interleaving as above.
  for (const s of steps) {
    if ("watermark" in s) continue;
    for (const b of op.processBatch(s.batch, s.input === 0 ? 1 : 0)) out += b.numRows;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, out };
}

const STREAM_JOIN = {
  name: "bench.stream",
  left: { schema: persons, timeField: "dateTime" },
  right: { schema: auctions, timeField: "dateTime" },
  rightName: "auction",
  leftKey: ["id"],
  rightKey: ["seller"],
  maxParallelism: 128,
};

function streamJoin(steps: Step[], make: () => Operator): { seconds: number; out: number; late: number } {
  const op = make();
  let out = 0;
  const t0 = process.hrtime.bigint();
  for (const s of steps) {
    const result = "watermark" in s ? op.processWatermark(s.watermark) : op.processBatch(s.batch, s.input);
    for (const b of result) out += b.numRows;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, out, late: op.lateRecords() };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const steps = generate(TOTAL);
const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M`;
windowJoin(steps); // warm-up: JIT and buffer growth
const wj = Array.from({ length: RUNS }, () => windowJoin(steps));
const rates = wj.map((r) => TOTAL / r.seconds);
console.log(
  `window join (q8-like, 10s tumbling): ${TOTAL} events -> ${wj[0].out} rows (late ${wj[0].late}); ` +
    `median ${fmt(median(rates))} events/s, best ${fmt(Math.max(...rates))} events/s over ${RUNS} runs`,
);
lookupJoin(steps);
const lj = Array.from({ length: RUNS }, () => lookupJoin(steps));
const lrates = lj.map((r) => TOTAL / r.seconds);
console.log(
  `lookup join (auctions x persons table, left): ${TOTAL} events -> ${lj[0].out} rows; ` +
    `median ${fmt(median(lrates))} events/s, best ${fmt(Math.max(...lrates))} events/s over ${RUNS} runs`,
);

for (const [name, make] of [
  ["interval join [-10s, 0]", () => new IntervalJoinOperator({ ...STREAM_JOIN, lower: -10_000, upper: 0 })],
  ["regular join, stateTtl 10s", () => new RegularJoinOperator({ ...STREAM_JOIN, stateTtl: 10_000 })],
  ["regular join, no TTL", () => new RegularJoinOperator(STREAM_JOIN)],
] as const) {
  streamJoin(steps, make);
  const runs = Array.from({ length: RUNS }, () => streamJoin(steps, make));
  const r = runs.map((x) => TOTAL / x.seconds);
  console.log(
    `${name} (persons x auctions): ${TOTAL} events -> ${runs[0].out} rows (late ${runs[0].late}); ` +
      `median ${fmt(median(r))} events/s, best ${fmt(Math.max(...r))} events/s over ${RUNS} runs`,
  );
}
