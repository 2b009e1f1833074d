import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KafkaClientKind,
  kafkaSinkConfig,
  kafkaSourceConfig,
} from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSink, kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt } from "../../../../runtime/connectors/kafka/native-addon.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { avroSchema } from "../../../../runtime/formats/avro.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { testEnv } from "../../../helpers/env.js";
import { runJavaHelper } from "../../../helpers/java-helper.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { uniqueName } from "../../../helpers/names.js";
import { batchFromRows } from "../../../helpers/random.js";
import { connectorContext, createTopic } from "./kafka-helpers.js";
import { readAll, spec } from "./native-equivalence.js";

/**
 * Sabot's avro messages against Apache Avro's own Java library (test/helpers/java/AvroInterop.java):
 * its BinaryMessageDecoder reads what Sabot's sinks write, and Sabot's sources read what its
 * BinaryMessageEncoder writes (the single-object encoding, docs/kafka.md "Avro messages").
 */

const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64" },
  { name: "n", type: "int32" },
  { name: "price", type: "float64" },
  { name: "ok", type: "bool" },
  { name: "name", type: "utf8" },
  { name: "ts", type: "timestamp[ms]" },
];
const CLIENTS: KafkaClientKind[] = nativeKafkaBuilt() ? ["native", "librdkafka", "kafkajs"] : ["librdkafka", "kafkajs"];
const ROWS = 500;

type Row = Record<string, string | number | boolean | null>;

/** Row i as AvroInterop.java's `value` makes it (its fields null where (i + position) % 5 == 0). */
function javaRow(i: number): Row {
  const values: Row = {
    id: i * 1_000_003 - 7,
    n: i * 31 - 100,
    price: i / 4 - 3,
    ok: i % 3 === 0,
    name: `s${i}${i % 7 === 0 ? " ünïcode ✓" : ""}`,
    ts: 1_700_000_000_000 + i,
  };
  return Object.fromEntries(FIELDS.map((f, pos) => [f.name, (i + pos) % 5 === 0 ? null : values[f.name]]));
}

const sortRows = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

describe("avro messages and Apache Avro's Java library", () => {
  const k = useTestKafka();
  // The writer schema as AvroInterop.java reads it: Sabot's avroSchema of the columns.
  let dir = "";
  let schemaFile = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "avro-java-"));
    schemaFile = join(dir, "schema.json");
    writeFileSync(schemaFile, JSON.stringify(avroSchema(arrowSchema(FIELDS))));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CLIENTS)(
    "Avro's BinaryMessageDecoder reads what the %s sink writes",
    async (client) => {
      const topic = await createTopic(k.admin, `avro-java-read-${client}`, 2);
      const rows = Array.from({ length: ROWS }, (_, i) => javaRow(i));
      const schema = arrowSchema(FIELDS);
      const config = kafkaSinkConfig(
        { bootstrapServers: testEnv().kafka.brokers, topic, format: "avro", client },
        { schema },
      );
      const sink = kafkaSink(config, { schema }, connectorContext("out"));
      await sink.open();
      await sink.write(batchFromRows(FIELDS, rows));
      await sink.flush();
      await sink.close();
      const text = runJavaHelper("AvroInterop", ["read", testEnv().kafka.brokers[0], topic, schemaFile]);
      const read = text
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Row);
      expect(sortRows(read)).toEqual(sortRows(rows));
    },
    120_000,
  );

  it.each(CLIENTS)(
    "the %s source reads what Avro's BinaryMessageEncoder writes",
    async (client) => {
      const topic = await createTopic(k.admin, `avro-java-write-${client}`, 1);
      runJavaHelper("AvroInterop", ["write", testEnv().kafka.brokers[0], topic, schemaFile, String(ROWS)]);
      const source = kafkaSource(
        kafkaSourceConfig("it", "in", spec(topic, client, { format: "avro", groupId: uniqueName("g") }, FIELDS)),
        connectorContext("in"),
      );
      await source.open();
      try {
        const batches = await readAll(source, { "0": String(ROWS) });
        const read = batches.flatMap((b) => batchRows(b.batch));
        expect(read).toHaveLength(ROWS);
        expect(read).toEqual(Array.from({ length: ROWS }, (_, i) => javaRow(i)));
      } finally {
        await source.close();
      }
    },
    120_000,
  );
});
