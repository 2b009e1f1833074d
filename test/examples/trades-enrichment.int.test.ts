import { describe, expect, it } from "vitest";
import { testEnv } from "../helpers/env.js";
import { createTopic, readTopic, useTestKafka } from "../helpers/kafka.js";
import { exampleManifest, runJob } from "../helpers/run-job.js";

const SECURITIES = [
  { symbol: "ACME", name: "Acme Corp", sector: "Industrials" },
  { symbol: "GLOBX", name: "Globex", sector: "Energy" },
  { symbol: "INIT", name: "Initech", sector: "Software" },
];

describe("examples/trades-enrichment.yaml against real Kafka", () => {
  const k = useTestKafka();

  it("enriches every trade with the latest securities row, and keeps unknown symbols with nulls", async () => {
    const trades = await createTopic(k.admin, "trades", 2);
    const securities = await createTopic(k.admin, "securities", 1, { "cleanup.policy": "compact" });
    const enriched = await createTopic(k.admin, "trades-enriched", 1);
    const dlq = await createTopic(k.admin, "trades-dlq", 1);
    const producer = k.kafka.producer();
    await producer.connect();
    // An outdated row for ACME first: the table keeps the latest one.
    await producer.send({
      topic: securities,
      messages: [{ symbol: "ACME", name: "Acme (old)", sector: "?" }, ...SECURITIES].map((s) => ({
        key: s.symbol,
        value: JSON.stringify(s),
      })),
    });
    const symbols = ["ACME", "GLOBX", "INIT", "NOPE"];
    const tradeRows = Array.from({ length: 400 }, (_, i) => ({
      trade_id: i,
      symbol: symbols[i % 4],
      qty: (i % 10) + 1,
      price: 100 + i,
      ts: Date.UTC(2026, 0, 1) + i * 1000,
    }));
    await producer.send({
      topic: trades,
      messages: tradeRows.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })),
    });
    await producer.disconnect();

    const m = exampleManifest("trades-enrichment.yaml");
    const brokers = testEnv().kafka.brokers;
    m.spec.sources!.trades.kafka = {
      ...m.spec.sources!.trades.kafka!,
      bootstrapServers: brokers,
      topic: trades,
      deadLetterTopic: dlq,
    };
    m.spec.sources!.securities.kafka = {
      ...m.spec.sources!.securities.kafka!,
      bootstrapServers: brokers,
      topic: securities,
    };
    m.spec.sinks!.enriched.kafka = { ...m.spec.sinks!.enriched.kafka!, bootstrapServers: brokers, topic: enriched };
    await runJob(m, { maxRecords: tradeRows.length, realSinks: ["enriched"] });

    const out = (await readTopic(k.kafka, enriched, tradeRows.length)).map(
      (msg) => JSON.parse(msg.value!.toString()) as Record<string, unknown>,
    );
    expect(out).toHaveLength(tradeRows.length);
    const byId = new Map(out.map((r) => [r.trade_id as number, r]));
    for (const t of tradeRows) {
      const r = byId.get(t.trade_id)!;
      const sec = SECURITIES.find((s) => s.symbol === t.symbol);
      expect(r.name ?? null).toBe(sec?.name ?? null);
      expect(r.sector ?? null).toBe(sec?.sector ?? null);
      expect(r.notional).toBeCloseTo(t.qty * t.price, 6);
    }
  });
});
