import { describe, expect, it } from "vitest";
import { BidGenerator } from "../../../runtime/connectors/generator/nexmark-bid.js";
import type { PipelineJobSpec, StepSpec } from "../../../runtime/contract/spec/schema.js";
import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import { LocalJob } from "../../../runtime/engine/local-job.js";
import { buildPlan } from "../../../runtime/planner/build-plan.js";
import type { JobPlan } from "../../../runtime/planner/plan.js";
import type { PrunedKeyBy } from "../../../runtime/planner/pruned-key-by.js";
import { batchRows, CollectingSink } from "../../helpers/collecting-sink.js";

const bids = { generator: { kind: "nexmark-bid" as const, count: 20_000, seed: 3 }, eventTime: { field: "dateTime" } };
const spec = (pipeline: StepSpec[]): PipelineJobSpec => ({
  sources: { bids },
  pipeline,
  sinks: { out: { console: {} } },
});
const names = (plan: JobPlan, stream: string) => plan.streams.get(stream)!.schema.fields.map((f) => f.name);
/** The columns that cross each exchange of the plan: what its target keyBy was planned on. */
const exchanged = (plan: JobPlan) =>
  buildExecutionGraph(plan).edges.map((e) => {
    const node = plan.operators.find((o) => o.id === e.target)!;
    return node.info.schema.fields.map((f) => f.name);
  });

// One phase: the rows themselves cross, pruned (pre-aggregation.test.ts has the two-phase q7).
const q7: StepSpec[] = [
  { from: "bids", keyBy: ["auction"] },
  {
    window: { type: "tumbling", size: "10s" },
    aggregate: ["max(price) AS max_price", "count(*) AS bids"],
    localAggregation: false,
  },
  { to: "out" },
];

describe("column pruning before exchanges", () => {
  it("a generator makes only what the job reads: q7's bids are auction, price and dateTime", () => {
    const plan = buildPlan("t", spec(q7));
    expect(plan.sources[0]!.spec.generator!.columns).toEqual(["auction", "price", "dateTime"]);
    expect(names(plan, "bids")).toEqual(["auction", "price", "dateTime"]);
    expect(exchanged(plan)).toEqual([["auction", "price", "dateTime"]]);
    expect(plan.spec.pipeline).toEqual(q7);
    // A sink reading the source reads every column.
    const whole = buildPlan("t", spec([...q7, { from: "bids", to: "out" }]));
    expect(whole.sources[0]!.spec.generator!.columns).toBeUndefined();
  });

  it("a keyBy after a filter ships the key, the event time and the aggregated column only", () => {
    const pipeline: StepSpec[] = [{ from: "bids", filter: "bidder > 3" }, ...q7];
    pipeline[1] = { keyBy: ["auction"] };
    const plan = buildPlan("t", spec(pipeline));
    expect(names(plan, "bids")).toEqual(["auction", "bidder", "price", "dateTime"]);
    expect(exchanged(plan)).toEqual([["auction", "price", "dateTime"]]);
    // Steps, ids, streams and exchanges stay as they are: the keyBy itself passes on fewer columns.
    expect(plan.operators.map((o) => o.id)).toEqual(["pipeline[0].filter", "pipeline[1].keyBy", "pipeline[2].window"]);
    expect(buildExecutionGraph(plan).edges.map((e) => e.stream)).toEqual(["pipeline[0]"]);
    const keyBy = plan.operators[1]!.create() as PrunedKeyBy;
    const batch = new BidGenerator(1, ["auction", "bidder", "price", "dateTime"]).generate(0, 1, 100);
    expect(keyBy.project(batch).schema.fields.map((f) => f.name)).toEqual(["auction", "price", "dateTime"]);
    // In one process it projects; what arrives through the exchange is projected already.
    const projected = keyBy.project(batch);
    expect(batchRows(keyBy.processBatch(batch)[0]!)).toEqual(batchRows(projected));
    keyBy.receivesProjected();
    expect(keyBy.processBatch(projected)[0]).toBe(projected);
  });

  it("an unbounded GROUP BY's shuffle carries its keys, the event time and what its aggregates read", () => {
    const plan = buildPlan(
      "t",
      spec([{ from: "bids", keyBy: ["auction"] }, { upsertAggregate: ["max(price) AS max_price"] }, { to: "out" }]),
    );
    expect(exchanged(plan)).toEqual([["auction", "price", "dateTime"]]);
  });

  it("keeps what filters and selects after the keyBy read, and everything a sink or a join reads", () => {
    const filtered = buildPlan(
      "t",
      spec([{ from: "bids", keyBy: ["auction"] }, { filter: "bidder > 3" }, ...q7.slice(1)]),
    );
    expect(exchanged(filtered)).toEqual([["auction", "bidder", "price", "dateTime"]]);
    const selected = buildPlan(
      "t",
      spec([{ from: "bids", keyBy: ["auction"] }, { select: ["auction", "channel", "dateTime"] }, { to: "out" }]),
    );
    expect(exchanged(selected)).toEqual([["auction", "channel", "dateTime"]]);
    const toSink = buildPlan("t", spec([{ from: "bids", keyBy: ["auction"] }, { to: "out" }]));
    expect(exchanged(toSink)).toEqual([names(toSink, "bids")]);
  });

  it("leaves a spec with mistakes to the planner's messages, about the whole stream", () => {
    expect(() =>
      buildPlan("t", spec([{ from: "bids", keyBy: ["auction"] }, { filter: "nope > 1" }, ...q7.slice(1)])),
    ).toThrow(/nope.*columns: auction, bidder, price, channel, url, dateTime, extra/s);
  });

  it("changes no result: q7's rows and the sink's schema are those of an unpruned plan", async () => {
    const run = async (pipeline: StepSpec[]) => {
      const plan = buildPlan("t", { ...spec(pipeline), sinks: { out: { console: {} }, raw: { console: {} } } });
      const out = new CollectingSink();
      await new LocalJob(plan, { sinks: { out, raw: new CollectingSink(false) } }).run();
      return { plan, fields: plan.sinks[0]!.info.schema.fields.map(String), rows: out.toRows() };
    };
    const pruned = await run(q7);
    // The keyed stream also goes to a sink, which reads every column: nothing is pruned.
    const whole = await run([
      { ...q7[0]!, as: "keyed" },
      { ...q7[1]!, from: "keyed" },
      q7[2]!,
      { from: "keyed", to: "raw" },
    ]);
    expect(exchanged(pruned.plan)).toEqual([["auction", "price", "dateTime"]]);
    expect(exchanged(whole.plan)).toEqual([names(whole.plan, "bids")]);
    expect(pruned.rows.length).toBeGreaterThan(0);
    expect(pruned.fields).toEqual(whole.fields);
    expect(pruned.rows).toEqual(whole.rows);
  });
});

describe("column pruning at Kafka sources", () => {
  const SCHEMA = [
    { name: "auction", type: "int64" as const },
    { name: "bidder", type: "int64" as const },
    { name: "price", type: "int64" as const },
    { name: "url", type: "utf8" as const },
    { name: "dateTime", type: "timestamp[ms]" as const },
    { name: "extra", type: "utf8" as const },
  ];
  const kafka = (format: "json" | "arrow" | "avro", table = false) => ({
    kafka: {
      bootstrapServers: ["127.0.0.1:9092"],
      topic: "bids",
      format,
      ...(table ? { table: { key: ["auction"] } } : {}),
    },
    schema: SCHEMA,
    eventTime: { field: "dateTime" },
  });
  const q1: StepSpec[] = [{ from: "bids", select: ["auction", "price * 0.908 AS price"] }, { to: "out" }];
  const planOf = (source: ReturnType<typeof kafka>, pipeline: StepSpec[]) =>
    buildPlan("t", { sources: { bids: source }, pipeline, sinks: { out: { console: {} } } });
  const sourceColumns = (plan: JobPlan) => plan.sources[0]!.spec.schema!.map((f) => f.name);

  it("a json or arrow source decodes only the columns its readers need, and its event time", () => {
    for (const format of ["json", "arrow"] as const) {
      const plan = planOf(kafka(format), q1);
      expect(sourceColumns(plan)).toEqual(["auction", "price", "dateTime"]);
      expect(names(plan, "bids")).toEqual(["auction", "price", "dateTime"]);
      expect(names(plan, "pipeline[0]")).toEqual(["auction", "price"]);
    }
    // q7: the keyBy passes every column on, so what the window reads counts.
    expect(sourceColumns(planOf(kafka("json"), q7))).toEqual(["auction", "price", "dateTime"]);
  });

  it("keeps every column where a sink, a join or a table reads the source, and for avro (positional)", () => {
    expect(sourceColumns(planOf(kafka("json"), [{ from: "bids", to: "out" }]))).toEqual(SCHEMA.map((f) => f.name));
    expect(sourceColumns(planOf(kafka("json"), [{ from: "bids", filter: "price > 10" }, { to: "out" }]))).toEqual(
      SCHEMA.map((f) => f.name),
    );
    expect(sourceColumns(planOf(kafka("avro"), q1))).toEqual(SCHEMA.map((f) => f.name));
    const table = buildPlan("t", {
      sources: { bids: kafka("json"), auctions: kafka("json", true) },
      pipeline: [{ from: "bids", lookupJoin: { table: "auctions", key: ["auction"] } }, { to: "out" }],
      sinks: { out: { console: {} } },
    } as PipelineJobSpec);
    expect(table.sources.map((s) => s.spec.schema!.length)).toEqual([SCHEMA.length, SCHEMA.length]);
  });
});
