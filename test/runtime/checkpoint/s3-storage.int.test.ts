import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { openCheckpointStorage, writeCheckpoint } from "../../../runtime/checkpoint/index.js";
import { S3CheckpointStorage } from "../../../runtime/checkpoint/s3-storage.js";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";
import { checkpointStoreSuite } from "./checkpoint-suite.js";
import { storageSuite } from "./storage-suite.js";
import { MAX_PARALLELISM } from "./window-fixture.js";

let client: S3Client;
let bucket: string;
let prefixes = 0;

beforeAll(async () => {
  const s3 = testEnv().s3;
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  });
  bucket = uniqueName("checkpoints");
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

/** Each test its own prefix in one bucket, as jobs share a bucket in production. */
const storage = () => new S3CheckpointStorage(client, bucket, `sabot/run-${prefixes++}`);

describe("checkpoints in S3 (MinIO)", () => {
  storageSuite(storage);
  checkpointStoreSuite(storage);

  it("stores a state file larger than one multipart part and lists and deletes more than 1000 objects", async () => {
    const s = openCheckpointStorage(`s3://${bucket}/big`, { s3Client: client });
    const big = Uint8Array.from({ length: 9 * 1024 * 1024 }, (_, i) => (i * 7) & 0xff);
    await s.put("job/chk-1/big.bin", big);
    expect(await s.get("job/chk-1/big.bin")).toEqual(big);
    await Promise.all(Array.from({ length: 1100 }, (_, i) => s.put(`job/chk-2/f-${i}`, new Uint8Array(1))));
    const listed = await s.list("job/chk-2/");
    expect(listed.length).toBe(1100);
    await s.delete(listed.map((o) => o.key));
    expect(await s.list("job/")).toEqual([{ key: "job/chk-1/big.bin", size: big.length }]);
  });

  it("writes a checkpoint through a storage opened from an s3:// URL with the standard AWS variables", async () => {
    // Without a client, the storage reads the AWS_* variables; set them as a pod would have them.
    const env = testEnv().s3;
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: env.endpoint,
      AWS_ACCESS_KEY_ID: env.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
      AWS_REGION: env.region,
    });
    try {
      const fromEnv = openCheckpointStorage(`s3://${bucket}/from-env`);
      const m = await writeCheckpoint(fromEnv, "job", 1, {
        operators: new Map(),
        sources: { s: { "0": "5" } },
        maxParallelism: MAX_PARALLELISM,
        parallelism: 1,
      });
      expect(m.sources).toEqual({ s: { "0": "5" } });
      expect((await fromEnv.list("job/")).map((o) => o.key)).toEqual(["job/chk-1/manifest.json"]);
    } finally {
      for (const k of ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
