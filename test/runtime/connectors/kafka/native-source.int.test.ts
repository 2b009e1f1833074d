import { describe, expect, it } from "vitest";
import { kafkaSourceConfig } from "../../../../runtime/connectors/kafka/config.js";
import { kafkaSource } from "../../../../runtime/connectors/kafka/index.js";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { NativeKafkaSource } from "../../../../runtime/connectors/kafka/native-source.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { uniqueName } from "../../../helpers/names.js";
import { connectorContext, createTopic, readTopic } from "./kafka-helpers.js";
import { expectSameReads, readAll, readWithBoth, spec, withTombstonesAndOversized } from "./native-equivalence.js";
import { edgeJson, NATIVE_CASE_FIELDS, randomJson } from "./native-json-cases.js";

const built = nativeKafkaBuilt();
/** kafkajs' ConfigResourceTypes.TOPIC (the CommonJS module's named export does not reach ESM). */
const TOPIC_RESOURCE = 2;
if (!built) console.warn(`native-source.int.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

describe.skipIf(!built)("kafka source on the native client", () => {
  const k = useTestKafka();

  it("reads random and edge-case json exactly as the librdkafka source (json.ts): rows, positions and dead letters", async () => {
    const values = withTombstonesAndOversized(
      [...randomJson(6000, 7), ...edgeJson()],
      new Uint8Array(Buffer.from(`{"req":1,"s":"${"x".repeat(3000)}"}`)),
    );
    const headers = (i: number) => (i % 7 === 0 ? { origin: `m${i}` } : undefined);
    const read = await readWithBoth(k, "native-eq", "json", NATIVE_CASE_FIELDS, values, headers);
    expectSameReads(read, 4000);
  }, 120_000);

  it("a restore from a checkpointed position reads every record exactly once, and commit writes that position", async () => {
    const topic = await createTopic(k.admin, "native-restore", 2);
    const n = 20_000;
    const producer = k.kafka.producer();
    await producer.connect();
    for (let i = 0; i < n; i += 2000)
      await producer.send({
        topic,
        messages: Array.from({ length: 2000 }, (_, j) => ({ partition: (i + j) % 2, value: `{"id":${i + j}}` })),
      });
    await producer.disconnect();
    const groupId = uniqueName("g");
    const fields: FieldSpec[] = [{ name: "id", type: "int64", nullable: false }];
    const make = () =>
      kafkaSource(kafkaSourceConfig("it", "r", spec(topic, "native", { groupId }, fields)), connectorContext("r"));
    const first = make();
    await first.open();
    const ids: number[] = [];
    while (ids.length < 3000) {
      const b = await first.next();
      ids.push(...batchRows(b!.batch).map((r) => Number(r.id)));
    }
    const checkpoint = first.position();
    await first.commit(checkpoint);
    await first.close();
    const committed = await k.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(Object.fromEntries(committed[0].partitions.map((p) => [String(p.partition), p.offset]))).toEqual(checkpoint);

    const second = make();
    await second.open(checkpoint);
    try {
      for (const b of await readAll(second, { "0": String(n / 2), "1": String(n / 2) }))
        ids.push(...batchRows(b.batch).map((r) => Number(r.id)));
    } finally {
      await second.close();
    }
    expect(ids.length).toBe(n);
    expect(new Set(ids).size).toBe(n);
  }, 120_000);

  it.each(["native", "librdkafka"] as const)(
    "(%s) a poll whose dead letter cannot be written is read again: rows exactly once, in order, once the topic takes it",
    async (client) => {
      const topic = await createTopic(k.admin, "native-dlq-retry", 1);
      // A dead-letter topic that refuses every record until its limit is raised.
      const dlq = await createTopic(k.admin, "native-dlq-later", 1, { "max.message.bytes": "16" });
      const values = ["1", "2", "3", "not json", "4", "5", "6"].map((v) => (v.length === 1 ? `{"id":${v}}` : v));
      const producer = k.kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: values.map((value) => ({ value })) });
      await producer.disconnect();
      const fields: FieldSpec[] = [{ name: "id", type: "int64", nullable: false }];
      const ctx = connectorContext("retry");
      const source = kafkaSource(
        kafkaSourceConfig("it", "retry", spec(topic, client, { deadLetterTopic: dlq }, fields)),
        ctx,
      );
      await source.open();
      try {
        // The first polls fail at the dead-letter topic; then it takes records.
        await new Promise((r) => setTimeout(r, 2000));
        await k.admin.alterConfigs({
          validateOnly: false,
          resources: [
            { type: TOPIC_RESOURCE, name: dlq, configEntries: [{ name: "max.message.bytes", value: "1048588" }] },
          ],
        });
        const ids = (await readAll(source, { "0": "7" })).flatMap((b) => batchRows(b.batch).map((r) => Number(r.id)));
        expect(ids).toEqual([1, 2, 3, 4, 5, 6]);
        expect(ctx.captured.lines.some((l) => String(l.msg).includes("reading again from the positions queued"))).toBe(
          true,
        );
        const [dead] = await readTopic(k.kafka, dlq, 1);
        expect(dead.value?.toString()).toBe("not json");
      } finally {
        await source.close();
      }
    },
    120_000,
  );

  it("a job choosing native for what it does not read (a table: tombstones are deletes) runs on librdkafka and says so", async () => {
    const ctx = connectorContext("table");
    const table = { format: "arrow" as const, table: { key: ["id"] } };
    const source = kafkaSource(
      kafkaSourceConfig("it", "table", spec("any", "native", table, [{ name: "id", type: "int64" }])),
      ctx,
    );
    expect(source).not.toBeInstanceOf(NativeKafkaSource);
    expect(ctx.captured.lines.some((l) => String(l.msg).includes("this source runs on librdkafka"))).toBe(true);
  });
});
