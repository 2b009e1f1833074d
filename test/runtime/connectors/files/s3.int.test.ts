import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { tableFromArrays } from "apache-arrow";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesConfig } from "../../../../runtime/connectors/files/config.js";
import { FilesSink } from "../../../../runtime/connectors/files/sink.js";
import { S3Store } from "../../../../runtime/connectors/files/storage.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { s3ClientFromEnv } from "../../../../runtime/contract/storage/s3-client.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { setS3Env, testEnv } from "../../../helpers/env.js";
import { uniqueName } from "../../../helpers/names.js";
import { RECORD_FIELDS, randomBatch, seededRng } from "../../../helpers/random.js";
import { readFileBatches } from "./read-back.js";

const FIELDS: FieldSpec[] = [...RECORD_FIELDS, { name: "ts", type: "timestamp[ms]" }];

const ctx = { subtask: 3, log: pino({ level: "silent" }) };
let restoreEnv: () => void;
let bucket: string;
beforeAll(async () => {
  // The sink takes its endpoint and credentials from the standard AWS variables, as in a pod.
  restoreEnv = setS3Env(testEnv().s3.endpoint);
  bucket = uniqueName("files");
  await s3ClientFromEnv().send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => restoreEnv());

async function objects(prefix: string) {
  const client = s3ClientFromEnv();
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  const bodies = await Promise.all(
    keys.map(async (Key) =>
      (await client.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray(),
    ),
  );
  return { keys, bodies };
}

describe.each(["parquet", "arrow"] as const)("files sink to S3 (%s)", (format) => {
  it("writes files under the prefix that read back identical", async () => {
    const prefix = `out/${format}`;
    const sink = new FilesSink(filesConfig({ path: `s3://${bucket}/${prefix}/`, format, rollSize: "64KiB" }), ctx);
    await sink.open();
    const rng = seededRng(41);
    const batches = Array.from({ length: 8 }, () => randomBatch(rng, FIELDS, 700, { nullRate: 0.15 }));
    for (const b of batches) await sink.write(b);
    await sink.flush();
    const { keys, bodies } = await objects(prefix);
    expect(keys.length).toBeGreaterThan(1);
    for (const k of keys) expect(k).toMatch(new RegExp(`^${prefix}/part-3-[0-9a-z]+-\\d{5}\\.${format}$`));
    const rows = bodies.flatMap((b) => readFileBatches(b, format).flatMap(batchRows));
    expect(rows).toEqual(batches.flatMap(batchRows));
    await sink.close();
  });
});

describe("partitioned files sink to S3, exactly-once", () => {
  it("commits a checkpoint's file per partition directory and its marker, which a new sink reads back", async () => {
    const prefix = "parts";
    const config = filesConfig({ path: `s3://${bucket}/${prefix}`, format: "arrow", partitionBy: ["day"] });
    const sink = new FilesSink(config, { ...ctx, exactlyOnce: true });
    await sink.open();
    const batch = tableFromArrays({ day: ["d1", "d2:x", "d1"], n: Float64Array.from([1, 2, 3]) }).batches[0];
    await sink.write(batch);
    await sink.prepareCheckpoint!(7);
    expect((await objects(prefix)).keys).toEqual([]);
    await sink.commitCheckpoint!(7);
    const { keys, bodies } = await objects(prefix);
    expect(keys).toEqual([
      `${prefix}/_committed/part-3-chk-0000000007.committed`,
      `${prefix}/day=d1/part-3-chk-0000000007.arrow`,
      `${prefix}/day=d2%3Ax/part-3-chk-0000000007.arrow`,
    ]);
    expect(readFileBatches(bodies[1], "arrow").flatMap(batchRows)).toEqual([{ n: 1 }, { n: 3 }]);
    const again = new FilesSink(config, { ...ctx, exactlyOnce: true });
    await again.open();
    expect(await again.committedCheckpoint!()).toBe(7);
  });
});

describe("S3 file store", () => {
  it("keeps a staged file invisible until it is committed, and leaves nothing behind on abort", async () => {
    const store = new S3Store(s3ClientFromEnv(), bucket, "staged");
    const staged = await store.stage("a.parquet", new Uint8Array(6 * 1024 * 1024 + 5).fill(7));
    expect((await objects("staged")).keys).toEqual([]);
    await staged.commit();
    const { keys, bodies } = await objects("staged");
    expect(keys).toEqual(["staged/a.parquet"]);
    expect(bodies[0].length).toBe(6 * 1024 * 1024 + 5);

    const aborted = await store.stage("b.parquet", new Uint8Array(10));
    await aborted.abort();
    expect((await objects("staged")).keys).toEqual(["staged/a.parquet"]);
    const uploads = await s3ClientFromEnv().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
