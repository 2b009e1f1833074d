import { createHash, randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { describe, expect, it } from "vitest";
import type { TestEnv } from "../../env/types.js";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";

function client(s3: TestEnv["s3"], secretAccessKey = s3.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey },
    // Bucket-in-hostname addressing would need DNS for <bucket>.127.0.0.1.
    forcePathStyle: true,
  });
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("S3 test environment", () => {
  it("stores an 8 MiB multipart upload and returns it byte-identical", async () => {
    const s3 = client(testEnv().s3);
    const Bucket = uniqueName("smoke");
    const Key = "checkpoints/part-0.bin";
    const body = randomBytes(8 * 1024 * 1024);

    await s3.send(new CreateBucketCommand({ Bucket }));
    // 5 MiB is S3's smallest part size, so 8 MiB goes up as two parts.
    const upload = new Upload({ client: s3, params: { Bucket, Key, Body: body }, partSize: 5 * 1024 * 1024 });
    const done = await upload.done();
    // An S3 multipart ETag is "<md5 of part md5s>-<part count>".
    expect(done.ETag).toMatch(/-2"?$/);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => ({ key: o.Key, size: o.Size }))).toEqual([{ key: Key, size: body.length }]);

    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const bytes = await got.Body?.transformToByteArray();
    expect(bytes?.length).toBe(body.length);
    // Hashes, not buffers: a mismatch should print two lines, not 8 MiB.
    expect(sha256(bytes ?? new Uint8Array())).toBe(sha256(body));
  });

  it("refuses a get signed with the wrong secret key", async () => {
    const env = testEnv().s3;
    const Bucket = uniqueName("smoke-auth");
    await client(env).send(new CreateBucketCommand({ Bucket }));

    const err = await client(env, "not-the-secret")
      .send(new GetObjectCommand({ Bucket, Key: "anything" }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(S3ServiceException);
    expect((err as S3ServiceException).name).toBe("SignatureDoesNotMatch");
    expect((err as S3ServiceException).$metadata.httpStatusCode).toBe(403);
  });
});
