import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import { parseS3Url } from "../connectors/files/s3.js";
import { s3ClientFromEnv } from "../contract/storage/s3-client.js";
import { CheckpointConfigError } from "./errors.js";
import { FileCheckpointStorage } from "./file-storage.js";
import { checkpointKeyFromEnv } from "./manifest-digest.js";
import { S3CheckpointStorage } from "./s3-storage.js";
import type { CheckpointStorage } from "./storage.js";

/**
 * Storage for `checkpointing.storage`: `file:///absolute/folder` or `s3://bucket/prefix`. S3
 * credentials and endpoint come from the standard AWS variables (as for the files sink), unless a
 * client is passed; the manifest key from SABOT_CHECKPOINT_KEY unless one is passed.
 */
export function openCheckpointStorage(
  url: string,
  opts: { s3Client?: S3Client; manifestKey?: Uint8Array } = {},
): CheckpointStorage {
  const storage = openUrl(url, opts.s3Client);
  storage.manifestKey = opts.manifestKey ?? checkpointKeyFromEnv();
  return storage;
}

function openUrl(url: string, s3Client: S3Client | undefined): CheckpointStorage {
  if (url.startsWith("file://")) {
    try {
      return new FileCheckpointStorage(fileURLToPath(url));
    } catch {
      throw new CheckpointConfigError(
        `checkpointing.storage "${url}" is not a local folder: write file:///absolute/path`,
      );
    }
  }
  const s3 = parseS3Url(url);
  if (s3) return new S3CheckpointStorage(s3Client ?? s3ClientFromEnv(), s3.bucket, s3.prefix);
  throw new CheckpointConfigError(
    `checkpointing.storage must be s3://bucket/prefix or file:///absolute/path, got "${url}"`,
  );
}
