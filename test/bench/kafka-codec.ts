import type { DecodePlan } from "../../runtime/connectors/kafka/native-addon.js";
import { nativeKafka } from "../../runtime/connectors/kafka/native-addon.js";
import { decodePlan, nativeBatch } from "../../runtime/connectors/kafka/native-plan.js";
import { encColumns } from "../../runtime/connectors/kafka/native-sink.js";
import { AvroEncoder, avroSingleObjectPrefix } from "../../runtime/formats/avro.js";
import { createDecoder } from "../../runtime/formats/index.js";
import { JsonEncoder } from "../../runtime/formats/json.js";
import { arrowSchema } from "../../runtime/types/arrow-types.js";
import { table } from "./run-case.js";

/**
 * The codecs alone, without Kafka: `npx tsx test/bench/kafka-codec.ts [messages]`. Nexmark-like
 * bids (7 fields, about 180 bytes of json) decoded into record batches and encoded back, by json.ts
 * (the reference) and by sabot_kafka.node, and the same bids in avro decoded by avro.ts and by
 * sabot_kafka.node; CPU nanoseconds per message of this process, best of 5 rounds.
 */
const n = Number(process.argv[2] ?? 100_000);
const schema = arrowSchema([
  { name: "auction", type: "int64" },
  { name: "bidder", type: "int64" },
  { name: "price", type: "int64" },
  { name: "channel", type: "utf8" },
  { name: "url", type: "utf8" },
  { name: "dateTime", type: "timestamp[ms]" },
  { name: "extra", type: "utf8" },
]);
const messages = Array.from({ length: n }, (_, i) =>
  Buffer.from(
    JSON.stringify({
      auction: 1000 + (i % 997),
      bidder: 2000 + i,
      price: 123456 + i,
      channel: "Google",
      url: `https://www.nexmark.com/item.htm?query=${i}&channel_id=12345`,
      dateTime: 1700000000000 + i,
      extra: "abcdefghijklmnopqrstuvwxyz".slice(0, i % 26),
    }),
  ),
);
const offsets = new Int32Array(n + 1);
for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + messages[i].length;
const data = new Uint8Array(Buffer.concat(messages));
const plan = decodePlan(schema) as DecodePlan;
const addon = nativeKafka();
const batch = nativeBatch(schema, plan, addon.decodeJson(plan, data, offsets).columns, n);
const all = schema.fields.map((_, i) => i);
const avroMessages = new AvroEncoder(schema).encode(batch);
const avroOffsets = new Int32Array(n + 1);
for (let i = 0; i < n; i++) avroOffsets[i + 1] = avroOffsets[i] + avroMessages[i].length;
const avroData = new Uint8Array(Buffer.concat(avroMessages));
// The source's plan for avro: single-object messages of this schema's prefix are decoded natively.
const avroPlan: DecodePlan = { ...plan, avroPrefix: avroSingleObjectPrefix(schema) };

/** CPU ns per message of `f`, the best of 5 rounds. */
function nsPerMessage(f: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
}

const rows = [
  ["decode", nsPerMessage(() => createDecoder("json", schema).decode(messages))],
  ["decode", nsPerMessage(() => addon.decodeJson(plan, data, offsets))],
  ["encode", nsPerMessage(() => new JsonEncoder(schema).encode(batch))],
  ["encode", nsPerMessage(() => addon.encodeJson({ columns: encColumns(schema, batch, all), rows: n }))],
  ["decode", nsPerMessage(() => createDecoder("avro", schema).decode(avroMessages))],
  ["decode", nsPerMessage(() => addon.decodeAvro(avroPlan, avroData, avroOffsets))],
].map(([what, ns], i) => [
  what as string,
  `${i >= 4 ? "avro" : "json"} ${i % 2 ? "native" : i >= 4 ? "avro.ts" : "json.ts"}`,
  (ns as number).toFixed(0),
]);
console.log(
  `codecs, ${n} bids of ${(data.length / n).toFixed(0)} bytes in json, ${(avroData.length / n).toFixed(0)} in avro: CPU ns per message (best of 5)`,
);
console.log(table(["", "codec", "ns/message"], rows));
