/** Checkpoint storage and format: see docs/checkpoints.md, "Checkpoint format". */
export { findLatestCompleted, listCheckpoints, nextCheckpointId } from "./catalog.js";
export * from "./errors.js";
export { locateSnapshot, openSnapshotStorage, type SnapshotLocation } from "./locate.js";
export {
  CHECKPOINT_FORMAT_VERSION,
  checkpointDir,
  MANIFEST_NAME,
  type Manifest,
  type SnapshotKind,
  type StateFile,
  type SubtaskState,
} from "./manifest.js";
export { openCheckpointStorage } from "./open-storage.js";
export { type ReadOptions, type RestoredCheckpoint, readCheckpoint } from "./read.js";
export { applyRetention, type RetentionResult } from "./retention.js";
export type { CheckpointStorage, StoredObject } from "./storage.js";
export {
  assembleManifest,
  type CheckpointContents,
  type SubtaskShare,
  writeCheckpoint,
  writeManifest,
  writeOperatorState,
} from "./write.js";
