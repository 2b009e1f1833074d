import { CorruptCheckpointError } from "./errors.js";
import {
  checkpointDir,
  folderPrefix,
  MANIFEST_NAME,
  type Manifest,
  parseCheckpointKey,
  parseManifest,
  type SnapshotKind,
} from "./manifest.js";
import type { CheckpointStorage } from "./storage.js";

/** The objects found in one checkpoint folder: relative path → size. */
export interface CheckpointFolder {
  id: number;
  kind: SnapshotKind;
  /** Keys relative to the storage root, for deletion. */
  keys: string[];
  sizes: Map<string, number>;
}

/** Every `chk-<id>` (or `sp-<id>`) folder of the job, newest first, from one listing. */
export async function listCheckpointFolders(
  storage: CheckpointStorage,
  job: string,
  kind: SnapshotKind = "checkpoint",
): Promise<CheckpointFolder[]> {
  const byId = new Map<number, CheckpointFolder>();
  for (const { key, size } of await storage.list(folderPrefix(job, kind))) {
    const parsed = parseCheckpointKey(job, key, kind);
    if (!parsed) continue;
    let folder = byId.get(parsed.id);
    if (!folder) byId.set(parsed.id, (folder = { id: parsed.id, kind, keys: [], sizes: new Map() }));
    folder.keys.push(key);
    folder.sizes.set(parsed.rest, size);
  }
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

export type Inspection = { complete: true; manifest: Manifest } | { complete: false; problem: string };

/**
 * Whether a checkpoint folder holds a complete checkpoint: a readable manifest, and every file it
 * lists present with the listed size. A manifest of a newer format version throws
 * (UnsupportedCheckpointVersionError) instead of counting as incomplete.
 */
export async function inspectCheckpoint(
  storage: CheckpointStorage,
  job: string,
  folder: CheckpointFolder,
): Promise<Inspection> {
  if (!folder.sizes.has(MANIFEST_NAME)) return { complete: false, problem: "no manifest" };
  const dir = checkpointDir(job, folder.id, folder.kind);
  const bytes = await storage.get(`${dir}/${MANIFEST_NAME}`);
  if (bytes === null) return { complete: false, problem: "no manifest" };
  let manifest: Manifest;
  try {
    manifest = parseManifest(bytes, storage.describe(dir), { job, id: folder.id, key: storage.manifestKey });
  } catch (err) {
    if (err instanceof CorruptCheckpointError) return { complete: false, problem: err.message };
    throw err;
  }
  for (const [operatorId, op] of Object.entries(manifest.operators))
    for (const sub of op.subtasks)
      for (const file of sub.files) {
        const size = folder.sizes.get(file.path);
        if (size === undefined) return { complete: false, problem: `${operatorId}: ${file.path} is missing` };
        if (size !== file.bytes)
          return {
            complete: false,
            problem: `${operatorId}: ${file.path} has ${size} bytes, the manifest says ${file.bytes}`,
          };
      }
  return { complete: true, manifest };
}

export interface CheckpointStatus {
  id: number;
  kind: SnapshotKind;
  complete: boolean;
  /** Why an incomplete checkpoint cannot be used. */
  problem?: string;
  manifest?: Manifest;
}

/**
 * Every checkpoint of the job with its state, newest first (reads every manifest); with
 * `withSavepoints`, the job's savepoints too (one id sequence, so newest first still holds).
 */
export async function listCheckpoints(
  storage: CheckpointStorage,
  job: string,
  withSavepoints = false,
): Promise<CheckpointStatus[]> {
  const folders = await listCheckpointFolders(storage, job);
  if (withSavepoints) folders.push(...(await listCheckpointFolders(storage, job, "savepoint")));
  folders.sort((a, b) => b.id - a.id);
  const out: CheckpointStatus[] = [];
  for (const folder of folders) {
    const r = await inspectCheckpoint(storage, job, folder);
    const base = { id: folder.id, kind: folder.kind };
    out.push(
      r.complete ? { ...base, complete: true, manifest: r.manifest } : { ...base, complete: false, problem: r.problem },
    );
  }
  return out;
}

/**
 * The newest complete checkpoint of the job, or null. Checkpoints without a manifest (in progress,
 * or abandoned) or with a missing or truncated file are skipped, so recovery falls back to the
 * previous one.
 */
export async function findLatestCompleted(storage: CheckpointStorage, job: string): Promise<Manifest | null> {
  for (const folder of await listCheckpointFolders(storage, job)) {
    const r = await inspectCheckpoint(storage, job, folder);
    if (r.complete) return r.manifest;
  }
  return null;
}

/** An id greater than every checkpoint and savepoint folder of the job (complete or not): ids are never reused. */
export async function nextCheckpointId(storage: CheckpointStorage, job: string): Promise<number> {
  let max = 0;
  for (const kind of ["checkpoint", "savepoint"] as const)
    for (const f of await listCheckpointFolders(storage, job, kind)) max = Math.max(max, f.id);
  return max + 1;
}
