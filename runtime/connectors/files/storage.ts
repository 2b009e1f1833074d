import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

/**
 * Where finished files go, in two steps so that a reader never sees a partial file: `stage` writes
 * the bytes where no reader looks, `commit` makes them appear under their final name at once.
 * Local folder: a hidden `.name.inprogress` file, then rename (atomic on one filesystem). S3: a
 * multipart upload, which stays invisible until it is completed. The exactly-once files sink
 * commits staged files when the checkpoint covering them completes.
 */
export interface FileStore {
  /** Human-readable location of a file, for logs. */
  describe(name: string): string;
  stage(name: string, bytes: Uint8Array): Promise<StagedFile>;
  /** Names of committed files that start with `prefix`. */
  list(prefix: string): Promise<string[]>;
}

export interface StagedFile {
  readonly name: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export class LocalStore implements FileStore {
  constructor(private readonly dir: string) {}

  describe(name: string): string {
    return join(this.dir, name);
  }

  /** As S3 lists keys: `prefix` may name folders (`dt=x/part-`), and names come back with them. */
  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf("/");
    const folder = prefix.slice(0, slash + 1);
    const names = await readdir(join(this.dir, folder)).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(prefix.slice(slash + 1))).map((n) => folder + n);
  }

  async stage(name: string, bytes: Uint8Array): Promise<StagedFile> {
    const final = join(this.dir, name);
    const temp = join(dirname(final), `.${name.split("/").pop()}.inprogress`);
    await mkdir(dirname(final), { recursive: true });
    await writeFile(temp, bytes);
    return {
      name,
      commit: () => rename(temp, final),
      abort: () => rm(temp, { force: true }),
    };
  }
}

/** Parts of a multipart upload: 8 MiB (S3 needs ≥ 5 MiB for all parts but the last). */
const PART_BYTES = 8 * 1024 * 1024;

export class S3Store implements FileStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  private key(name: string): string {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  describe(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken }),
      );
      for (const o of r.Contents ?? []) names.push(o.Key!.slice(this.prefix ? this.prefix.length + 1 : 0));
      ContinuationToken = r.NextContinuationToken;
    } while (ContinuationToken);
    return names;
  }

  async stage(name: string, bytes: Uint8Array): Promise<StagedFile> {
    const Bucket = this.bucket;
    const Key = this.key(name);
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    if (!UploadId) throw new Error(`S3 gave no upload id for ${this.describe(name)}`);
    const abort = async () => {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    };
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let at = 0, n = 1; at < bytes.length || n === 1; at += PART_BYTES, n++) {
        const Body = bytes.subarray(at, Math.min(bytes.length, at + PART_BYTES));
        const { ETag } = await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body }));
        parts.push({ ETag: ETag ?? "", PartNumber: n });
      }
      return {
        name,
        commit: async () => {
          await this.client.send(
            new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
          );
        },
        abort,
      };
    } catch (err) {
      await abort().catch(() => {});
      throw err;
    }
  }
}
