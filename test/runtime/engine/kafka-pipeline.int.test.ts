import { describe, expect, it } from "vitest";
import { LocalJob } from "../../../runtime/engine/local-job.js";
import { planManifest } from "../../../runtime/planner/validate.js";
import { CollectingSink } from "../../helpers/collecting-sink.js";
import { testEnv } from "../../helpers/env.js";
import { createTopic, readTopic, useTestKafka } from "../../helpers/kafka.js";
import { parseManifest, runJob } from "../../helpers/run-job.js";

/** Deterministic card payments spread over 4 partitions, with some out-of-order timestamps. */
function payments(n: number) {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    card_id: i % 17,
    amount: ((i * 7919) % 3000) + 0.5,
    country: ["US", "DE", "FR", "JP"][i % 4],
    ts: start + i * 250 - (i % 5) * 400,
  }));
}

describe("Kafka → pipeline → Kafka", () => {
  const k = useTestKafka();

  it("filters, windows and aggregates a topic into another topic with the expected results", async () => {
    const input = await createTopic(k.admin, "payments", 4);
    const output = await createTopic(k.admin, "payment-stats", 1);
    const rows = payments(4000);
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: rows.map((r) => ({
        key: String(r.card_id),
        value: JSON.stringify({ ...r, ts: new Date(r.ts).toISOString() }),
      })),
    });
    await producer.disconnect();

    const brokers = JSON.stringify(testEnv().kafka.brokers);
    const manifest = parseManifest(`
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: kafka-pipeline }
spec:
  sources:
    payments:
      kafka: { bootstrapServers: ${brokers}, topic: ${input}, startingOffsets: earliest, format: json }
      schema:
        - { name: card_id, type: int64, nullable: false }
        - { name: amount, type: float64 }
        - { name: country, type: utf8 }
        - { name: ts, type: "timestamp[ms]" }
      eventTime: { field: ts, maxOutOfOrderness: 5s }
  pipeline:
    - from: payments
      filter: "amount > 1000 AND country <> 'US'"
    - keyBy: [card_id]
    - window: { type: tumbling, size: 1m }
      aggregate: ["count(*) AS n", "sum(amount) AS total"]
    - to: stats
  sinks:
    stats:
      kafka: { bootstrapServers: ${brokers}, topic: ${output}, format: json, key: [card_id] }
`);
    const { summary } = await runJob(manifest, { maxRecords: rows.length, realSinks: ["stats"] });
    expect(summary.recordsIn).toBe(rows.length);

    // Independent row-at-a-time reference.
    const expected = new Map<string, { n: number; total: number }>();
    for (const r of rows) {
      if (!(r.amount > 1000 && r.country !== "US")) continue;
      const ws = r.ts - (r.ts % 60_000);
      const k = `${r.card_id}/${ws}`;
      const acc = expected.get(k) ?? { n: 0, total: 0 };
      acc.n++;
      acc.total += r.amount;
      expected.set(k, acc);
    }
    const messages = await readTopic(k.kafka, output, expected.size);
    const got = new Map<string, { n: number; total: number }>();
    for (const m of messages) {
      const v = JSON.parse(m.value!.toString()) as {
        card_id: number;
        window_start: string | number;
        n: number;
        total: number;
      };
      got.set(`${v.card_id}/${new Date(v.window_start).getTime()}`, { n: v.n, total: v.total });
    }
    expect(got.size).toBe(expected.size);
    for (const [k, e] of expected) {
      expect(got.get(k)?.n, k).toBe(e.n);
      expect(got.get(k)?.total, k).toBeCloseTo(e.total, 6);
    }
  });

  it("stops promptly when asked while its topic is quiet", async () => {
    const input = await createTopic(k.admin, "quiet", 2);
    const manifest = parseManifest(`
apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: quiet }
spec:
  sources:
    in:
      kafka: { bootstrapServers: ${JSON.stringify(testEnv().kafka.brokers)}, topic: ${input}, format: json }
      schema: [{ name: x, type: int64 }]
  pipeline: [{ from: in, to: out }]
  sinks: { out: { console: {} } }
`);
    const job = new LocalJob(planManifest(manifest), { sinks: { out: new CollectingSink() } });
    const done = job.run();
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    job.stop();
    const summary = await done;
    expect(summary.reason).toBe("stopped");
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
