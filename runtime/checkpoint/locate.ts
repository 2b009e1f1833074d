import { CheckpointConfigError } from "./errors.js";
import { checkJobName, type SnapshotKind } from "./manifest.js";
import { openCheckpointStorage } from "./open-storage.js";
import type { CheckpointStorage } from "./storage.js";

/** A checkpoint or savepoint named by the URL of its folder (what status and `sabot savepoint` print). */
export interface SnapshotLocation {
  /** The URL of the storage root (`checkpointing.storage` of the job that wrote it). */
  root: string;
  job: string;
  id: number;
  kind: SnapshotKind;
  url: string;
}

/**
 * Parses `s3://bucket/prefix/<job>/sp-<id>` or `file:///folder/<job>/chk-<id>` (a trailing slash or
 * `/manifest.json` is accepted). The job name comes from the path, so a job may start from another
 * job's savepoint.
 */
export function locateSnapshot(url: string): SnapshotLocation {
  const trimmed = url.replace(/\/manifest\.json$/, "").replace(/\/+$/, "");
  const m = /^(.+)\/([^/]+)\/(chk|sp)-([1-9][0-9]*)$/.exec(trimmed);
  if (!m || !/^(s3|file):\/\//.test(m[1]))
    throw new CheckpointConfigError(
      `"${url}" does not name a checkpoint or savepoint: expected s3://bucket/prefix/<job>/sp-<id> or file:///folder/<job>/chk-<id>`,
    );
  const id = Number(m[4]);
  return { root: m[1], job: checkJobName(m[2]), id, kind: m[3] === "sp" ? "savepoint" : "checkpoint", url: trimmed };
}

export function openSnapshotStorage(loc: SnapshotLocation): CheckpointStorage {
  return openCheckpointStorage(loc.root);
}
