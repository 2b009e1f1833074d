import { isByteSize, isDuration, parseByteSize, parseDuration } from "../../contract/spec/duration.js";
import type { FilesSinkSpec } from "../../contract/spec/schema.js";
import { ConnectorConfigError } from "../errors.js";
import type { FileFormat } from "./file-format.js";
import { parseS3Url } from "./s3.js";

export interface FilesConfig {
  /** Local folder, or S3 bucket and key prefix. */
  target: { kind: "local"; dir: string } | { kind: "s3"; bucket: string; prefix: string };
  format: FileFormat;
  /** A file is closed once the Arrow data written to it reaches this many bytes (in memory). */
  rollBytes: number;
  /** ... or once it has been open this long. */
  rollIntervalMs: number;
  /** Columns whose values name Hive-style partition directories (empty: none). */
  partitionBy: string[];
}

/**
 * 64 MiB of Arrow data per file by default: Parquet encoding holds a file about three times in
 * WebAssembly memory, which never shrinks, so larger files cost memory for the life of the worker.
 */
export const FILES_DEFAULTS = { format: "parquet", rollSize: "64MiB", rollInterval: "1m" } as const;

/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function filesConfig(spec: FilesSinkSpec): FilesConfig {
  const rollSize = spec.rollSize ?? FILES_DEFAULTS.rollSize;
  const rollInterval = spec.rollInterval ?? FILES_DEFAULTS.rollInterval;
  if (!isByteSize(rollSize))
    throw new ConnectorConfigError(`files.rollSize must be a size like 64MiB, got "${rollSize}"`);
  if (!isDuration(rollInterval))
    throw new ConnectorConfigError(`files.rollInterval must be a duration like 1m, got "${rollInterval}"`);
  const rollBytes = parseByteSize(rollSize);
  const rollIntervalMs = parseDuration(rollInterval);
  if (rollBytes < 1) throw new ConnectorConfigError("files.rollSize must be more than 0B");
  if (rollIntervalMs < 1) throw new ConnectorConfigError("files.rollInterval must be more than 0ms");
  let target: FilesConfig["target"];
  if (spec.path.startsWith("s3://")) {
    const s3 = parseS3Url(spec.path);
    if (!s3 || !BUCKET.test(s3.bucket))
      throw new ConnectorConfigError(
        `files.path "${spec.path}" is not an s3://bucket/prefix URL with a valid bucket name`,
      );
    target = { kind: "s3", ...s3 };
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec.path) && !spec.path.startsWith("file://")) {
    throw new ConnectorConfigError(
      `files.path "${spec.path}": only local folders, file:// and s3:// URLs are supported`,
    );
  } else {
    const dir = spec.path.startsWith("file://") ? spec.path.slice("file://".length) : spec.path;
    if (dir === "") throw new ConnectorConfigError("files.path is empty: give a folder or an s3://bucket/prefix URL");
    target = { kind: "local", dir };
  }
  return {
    target,
    format: spec.format ?? FILES_DEFAULTS.format,
    rollBytes,
    rollIntervalMs,
    partitionBy: spec.partitionBy ?? [],
  };
}
