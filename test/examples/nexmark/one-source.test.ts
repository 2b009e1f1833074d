import { describe, expect, it } from "vitest";
import { kindGenerator } from "../../../runtime/connectors/generator/config.js";
import { DuckDbReference, rowDifference } from "../../helpers/duckdb-reference.js";
import { exampleManifest, parseManifest, runJob } from "../../helpers/run-job.js";

/**
 * q8 (persons joined with the auctions they sell in the same 10 s window) fed from ONE `nexmark`
 * source, as Flink's Nexmark source feeds it: views of persons and auctions are filters on
 * event_type. 150,000 events hold 3,000 persons and 9,000 auctions, so the per-kind example with
 * those counts must give the same rows, and DuckDB must agree.
 */
const EVENTS = 150_000;

const ONE_SOURCE = `
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: nexmark-q8-one-source }
spec:
  sources:
    events:
      generator: { kind: nexmark, seed: 1, count: ${EVENTS}, partitions: 3 }
      eventTime: { field: dateTime, maxOutOfOrderness: 1s }
  pipeline:
    - from: events
      filter: "event_type = 0"
    - select: ["person_id AS id", "person_name AS name", dateTime]
      as: persons
    - from: events
      filter: "event_type = 1"
    - select: ["auction_seller AS seller", dateTime]
      as: auctions
    - from: persons
      join: { with: auctions, leftKey: [id], rightKey: [seller], window: { type: tumbling, size: 10s } }
    - select: [id, name, window_start]
    - to: out
  sinks:
    out: { console: {} }
`;

describe("nexmark: persons, auctions and bids from one source", () => {
  it("feeds q8 the same rows as the per-kind sources, and DuckDB agrees", async () => {
    const { rows } = await runJob(parseManifest(ONE_SOURCE));
    const perKind = exampleManifest("nexmark/q8.yaml");
    perKind.spec.sources!.persons.generator!.count = EVENTS / 50;
    perKind.spec.sources!.auctions.generator!.count = (EVENTS / 50) * 3;
    const reference = await runJob(perKind);
    expect(rows.out.length).toBeGreaterThan(0);
    expect(rowDifference(rows.out, reference.rows.out)).toEqual({ only: [[], []] });

    const duck = await DuckDbReference.open();
    try {
      const gen = kindGenerator("nexmark", 1);
      const batches = [];
      for (let first = 0; first < EVENTS; first += 8192)
        batches.push(gen.generate(first, 1, Math.min(8192, EVENTS - first)));
      await duck.load("events", batches);
      const bucket = (t: string) => `time_bucket(INTERVAL '10 seconds', ${t}."dateTime")`;
      const expected = await duck.query(
        `SELECT p.person_id AS id, p.person_name AS name, epoch_ms(${bucket("p")}) AS window_start
         FROM events p JOIN events a
           ON p.event_type = 0 AND a.event_type = 1 AND p.person_id = a.auction_seller AND ${bucket("p")} = ${bucket("a")}`,
      );
      expect(rowDifference(rows.out, expected)).toEqual({ only: [[], []] });
    } finally {
      duck.close();
    }
  });
});
