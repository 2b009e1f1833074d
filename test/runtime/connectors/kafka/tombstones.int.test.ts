import { Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import type { FieldSpec, Format } from "../../../../runtime/contract/spec/schema.js";
import { createDecoder, createEncoder, createKeyEncoder } from "../../../../runtime/formats/index.js";
import { batchToIPCStream } from "../../../../runtime/formats/ipc.js";
import { LookupJoinOperator } from "../../../../runtime/operators/join/lookup-join.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { columnsOf, makeBatch } from "../../../../runtime/types/column.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { connectorContext, createTopic, KAFKA_CLIENTS, useKafkaClient } from "./kafka-helpers.js";

const TABLE: FieldSpec[] = [
  { name: "symbol", type: "utf8", nullable: false },
  { name: "name", type: "utf8" },
];
const table = arrowSchema(TABLE);
const stream = arrowSchema([{ name: "sym", type: "utf8" }]);
const ctx = useTestKafka();

const batchOf = (schema: Schema, rows: object[]) =>
  createDecoder("json", schema).decode(rows.map((r) => Buffer.from(JSON.stringify(r)))).batches[0];

/** A keyed message per row, as a keyed sink writes it; arrow: one message, keyed by its key column's IPC stream. */
function message(format: Format, row: { symbol: string; name: string | null }): { key: Buffer; value: Buffer | null } {
  const batch = batchOf(table, [row]);
  const value = row.name === null ? null : createEncoder(format, table).encode(batch)[0];
  if (format !== "arrow") return { key: createKeyEncoder(format, table, ["symbol"])(batch)[0], value };
  return {
    key: Buffer.from(batchToIPCStream(makeBatch(new Schema([table.fields[0]]), [columnsOf(batch)[0]], 1))),
    value,
  };
}

describe.each(KAFKA_CLIENTS)("on %s", (client) => {
  useKafkaClient(client);

  describe.each(["json", "avro", "arrow"] as Format[])("a table topic's tombstones (%s)", (format) => {
    it("delete their keys: the lookup join stops matching a deleted key and matches one written again", async () => {
      const topic = await createTopic(ctx.admin, `table-${format}`, 1, { "cleanup.policy": "compact" });
      const producer = ctx.kafka.producer();
      await producer.connect();
      const sends: { symbol: string; name: string | null }[][] = [
        [
          { symbol: "a", name: "A1" },
          { symbol: "b", name: "B1" },
          { symbol: "c", name: "C1" },
        ],
        [{ symbol: "a", name: null }],
        [
          { symbol: "b", name: null },
          { symbol: "b", name: "B2" },
          { symbol: "c", name: null },
          { symbol: "c", name: "C2" },
          { symbol: "c", name: null },
        ],
      ];
      for (const rows of sends) await producer.send({ topic, messages: rows.map((r) => message(format, r)) });
      await producer.disconnect();

      const spec = {
        kafka: { bootstrapServers: testEnv().kafka.brokers, topic, format, table: { key: ["symbol"] } },
        schema: TABLE,
      };
      const source = kafkaSource(kafkaSourceConfig("it", "securities", spec), connectorContext("securities"));
      const join = new LookupJoinOperator({
        name: "enrich",
        input: { schema: stream },
        table: { schema: table },
        tableName: "securities",
        key: ["sym"],
        tableKey: ["symbol"],
        type: "left",
        maxParallelism: 8,
      });
      await source.open();
      const positions: string[] = [];
      try {
        const deadline = Date.now() + 30_000;
        while (!source.caughtUp()) {
          if (Date.now() > deadline) throw new Error("the table did not load in 30 s");
          const got = await source.next();
          if (!got) continue;
          join.processBatch(got.batch, 1);
          positions.push(source.position()["0"]);
        }
      } finally {
        await source.close();
      }
      const out = join.processBatch(batchOf(stream, [{ sym: "a" }, { sym: "b" }, { sym: "c" }]), 0).flatMap(batchRows);
      expect(out).toEqual([
        { sym: "a", name: null },
        { sym: "b", name: "B2" },
        { sym: "c", name: null },
      ]);
      expect(join.tableSize()).toBe(1);
      // Each batch's position is the first offset its rows do not cover (a checkpoint there skips
      // nothing): json/avro decode runs of values and of tombstones (offsets 0-2, 3-4, 5, 6, 7, 8),
      // arrow one batch per message.
      expect(positions).toEqual(
        format === "arrow" ? ["1", "2", "3", "4", "5", "6", "7", "8", "9"] : ["3", "5", "6", "7", "8", "9"],
      );
    });
  });
});
