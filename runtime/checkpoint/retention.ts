import { inspectCheckpoint, listCheckpointFolders } from "./catalog.js";
import { CheckpointConfigError } from "./errors.js";
import { checkpointDir, MANIFEST_NAME } from "./manifest.js";
import type { CheckpointStorage } from "./storage.js";

export interface RetentionResult {
  /** Complete checkpoints kept, newest first. */
  kept: number[];
  /** Checkpoints deleted (complete ones past `retain`, and abandoned incomplete ones). */
  deleted: number[];
}

/**
 * Keeps the newest `retain` complete checkpoints (`spec.checkpointing.retain`) and deletes the
 * older complete ones, and incomplete ones older than the newest complete one: those were
 * abandoned (a newer checkpoint completed after them). Incomplete checkpoints newer than every
 * complete one may still be in progress and are left alone. A checkpoint's manifest is deleted
 * before its files, so a half-deleted checkpoint never looks complete. Savepoints are never pruned.
 */
export async function applyRetention(
  storage: CheckpointStorage,
  job: string,
  retain: number,
): Promise<RetentionResult> {
  if (!Number.isInteger(retain) || retain < 1)
    throw new CheckpointConfigError(`checkpointing.retain must be an integer of at least 1, got ${retain}`);
  const folders = await listCheckpointFolders(storage, job);
  const kept: number[] = [];
  const deleted: number[] = [];
  let newestComplete: number | null = null;
  for (const folder of folders) {
    const { complete } = await inspectCheckpoint(storage, job, folder);
    if (complete) newestComplete ??= folder.id;
    const keep = complete ? kept.length < retain : newestComplete === null;
    if (keep) {
      if (complete) kept.push(folder.id);
      continue;
    }
    const manifestKey = `${checkpointDir(job, folder.id)}/${MANIFEST_NAME}`;
    await storage.delete([manifestKey]);
    await storage.delete(folder.keys.filter((k) => k !== manifestKey));
    deleted.push(folder.id);
  }
  return { kept, deleted };
}
