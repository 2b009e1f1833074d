import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type CheckpointStorage, checkKey, type StoredObject } from "./storage.js";

/** Parts of a multipart upload: 8 MiB (S3 needs ≥ 5 MiB for all parts but the last). */
const PART_BYTES = 8 * 1024 * 1024;
/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * Checkpoint storage in an S3 bucket under a prefix (`s3://bucket/prefix`). Large objects go up as
 * multipart uploads, which S3 shows only once completed, so every put is atomic.
 */
export class S3CheckpointStorage implements CheckpointStorage {
  manifestKey?: Uint8Array;
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  private key(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${this.key(key)}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: bytes },
      partSize: PART_BYTES,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (err) {
      if (err instanceof NoSuchKey) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const root = this.prefix ? `${this.prefix}/` : "";
    const out: StoredObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: root + prefix, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(root.length), size: o.Size ?? 0 });
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const Objects = keys.slice(at, at + DELETE_BATCH).map((k) => ({ Key: this.key(k) }));
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0)
        throw new Error(
          `could not delete ${failed.length} checkpoint object(s) in s3://${this.bucket}, e.g. ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`,
        );
    }
  }
}
