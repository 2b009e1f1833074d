import { describe, expect, it } from "vitest";
import { kindGenerator } from "../../../../runtime/connectors/generator/config.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { createTopic, useTestKafka } from "../../../helpers/kafka.js";
import { runJob } from "../../../helpers/run-job.js";
import { sqlManifest } from "./sql-fixtures.js";

/**
 * A SQL lookup join run against a real compacted topic: seeded bids (a bounded generator) look up
 * their auction's category in an upsert-kafka table written beforehand (a category for every other
 * auction id, one of them overwritten, one deleted by a tombstone). The job reads the table before
 * the stream, so the answer is fixed: compared with a row-at-a-time reference.
 */

const BIDS = 3000;
const k = useTestKafka();

function sql(topic: string, join: string): string {
  return `CREATE TABLE bid (
  auction BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3),
  WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'seed' = '5', 'count' = '${BIDS}');
CREATE TABLE categories (id BIGINT, category BIGINT, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${testEnv().kafka.brokers.join(",")}',
  'value.format' = 'json');
CREATE TABLE results (auction BIGINT, price BIGINT, category BIGINT) WITH ('connector' = 'print');
INSERT INTO results
SELECT b.auction, b.price, c.category
FROM bid AS b ${join} categories FOR SYSTEM_TIME AS OF b.\`dateTime\` AS c ON b.auction = c.id;`;
}

const key = (r: Record<string, unknown>) =>
  JSON.stringify([r.auction, r.price, r.category].map((v) => (v === null ? null : Number(v))));

describe("SQL lookup joins on a real upsert-kafka table", () => {
  it("JOIN and LEFT JOIN give the reference's rows", async () => {
    const bids = batchRows(kindGenerator("nexmark-bid", 5).generate(0, 1, BIDS));
    const ids = [...new Set(bids.map((b) => Number(b.auction)))].sort((a, b) => a - b);
    const table = new Map<number, number>();
    for (const id of ids.filter((_, i) => i % 2 === 0)) table.set(id, id % 7);
    const [overwritten, deleted] = [...table.keys()];
    const topic = await createTopic(k.admin, "sql-lookup", 1, { "cleanup.policy": "compact" });
    const producer = k.kafka.producer();
    await producer.connect();
    const msg = (id: number, category: number | null) => ({
      key: JSON.stringify({ id }),
      value: category === null ? null : JSON.stringify({ id, category }),
    });
    await producer.send({ topic, messages: [...table].map(([id, c]) => msg(id, c)) });
    table.set(overwritten, 100);
    table.delete(deleted);
    await producer.send({ topic, messages: [msg(overwritten, 100), msg(deleted, null)] });
    await producer.disconnect();

    for (const join of ["JOIN", "LEFT JOIN"]) {
      const rows = (await runJob(sqlManifest(sql(topic, join)))).rows.results;
      const expected = bids.flatMap((b) => {
        const category = table.get(Number(b.auction));
        if (category === undefined && join === "JOIN") return [];
        return [{ auction: b.auction, price: b.price, category: category ?? null }];
      });
      // Both kinds of rows are there: matched ones, and (LEFT JOIN) unmatched ones with a null.
      expect(expected.some((r) => r.category !== null)).toBe(true);
      if (join === "LEFT JOIN") expect(expected.some((r) => r.category === null)).toBe(true);
      expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
    }
  }, 120_000);
});
