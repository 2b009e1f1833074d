import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { SourcePosition } from "../connectors/connector.js";
import { batchesToIPC } from "../formats/ipc.js";
import { keyGroupBatch, type OperatorSnapshot } from "../operators/operator.js";
import { CheckpointConfigError } from "./errors.js";
import { IO_CONCURRENCY, mapLimit } from "./limit.js";
import {
  CHECKPOINT_FORMAT_VERSION,
  checkpointDir,
  MANIFEST_NAME,
  type Manifest,
  type SnapshotKind,
  type StateFile,
  type SubtaskState,
  stateFilePath,
} from "./manifest.js";
import { signManifest } from "./manifest-digest.js";
import type { CheckpointStorage } from "./storage.js";

/**
 * Writes one operator subtask's snapshot: an Arrow IPC file per key group. Returns what the
 * manifest must list. In a distributed job each subtask calls this and acknowledges the result to
 * the coordinator, which then writes the manifest (writeManifest).
 */
export async function writeOperatorState(
  storage: CheckpointStorage,
  job: string,
  checkpointId: number,
  operatorId: string,
  subtask: number,
  snapshot: OperatorSnapshot,
  kind: SnapshotKind = "checkpoint",
): Promise<SubtaskState> {
  const dir = checkpointDir(job, checkpointId, kind);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(JSON.stringify(snapshot.meta)) as Record<string, unknown>;
  } catch (err) {
    throw new CheckpointConfigError(`the snapshot metadata of ${operatorId} is not JSON: ${(err as Error).message}`);
  }
  const groups = [...snapshot.keyGroups].sort(([a], [b]) => a - b);
  const files = await mapLimit(groups, IO_CONCURRENCY, async ([keyGroup, state]): Promise<StateFile> => {
    // Deferred key groups are gathered here, one per turn of the event loop, so processing (which
    // runs in the same thread) waits for one key group at a time, not for the whole state.
    if (typeof state === "function") await nextTurn();
    const batch = keyGroupBatch(state);
    // Always through formats/ipc.ts: arrow-js corrupts batches whose buffers overlap.
    const bytes = batchesToIPC([batch], "file");
    const path = stateFilePath(operatorId, subtask, keyGroup);
    await storage.put(`${dir}/${path}`, bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    return { path, keyGroup, bytes: bytes.byteLength, rows: batch.numRows, sha256 };
  });
  return { subtask, meta, files };
}

/**
 * Writes the manifest, the last object of a checkpoint: from this moment the checkpoint exists.
 * Signed with the storage's manifest key when it has one. Refuses to replace the manifest of a
 * completed checkpoint (ids are never reused; see nextCheckpointId).
 */
export async function writeManifest(storage: CheckpointStorage, manifest: Manifest): Promise<void> {
  const key = `${checkpointDir(manifest.job, manifest.checkpointId, manifest.kind)}/${MANIFEST_NAME}`;
  if ((await storage.get(key)) !== null)
    throw new CheckpointConfigError(
      `checkpoint ${storage.describe(key)} already exists: checkpoint ids must not be reused`,
    );
  const signed = signManifest(manifest, storage.manifestKey);
  await storage.put(key, new TextEncoder().encode(`${JSON.stringify(signed, null, 2)}\n`));
}

export interface CheckpointContents {
  /** Operator id → its snapshot (one subtask), or one snapshot per subtask (index = subtask). Null: stateless. */
  operators: Map<string, OperatorSnapshot | (OperatorSnapshot | null)[] | null>;
  /** Source name → position (merged over subtasks: splits are disjoint). */
  sources: Record<string, SourcePosition>;
  maxParallelism: number;
  parallelism: number;
  /** Milliseconds since the epoch; now by default. */
  timestamp?: number;
}

/** Writes a whole checkpoint from one process: every state file, then the manifest. */
export async function writeCheckpoint(
  storage: CheckpointStorage,
  job: string,
  checkpointId: number,
  contents: CheckpointContents,
): Promise<Manifest> {
  checkpointDir(job, checkpointId);
  const operators: Manifest["operators"] = {};
  for (const [operatorId, snap] of contents.operators) {
    if (snap === null) continue;
    const perSubtask = Array.isArray(snap) ? snap : [snap];
    const subtasks: SubtaskState[] = [];
    for (let subtask = 0; subtask < perSubtask.length; subtask++) {
      const s = perSubtask[subtask];
      for (const kg of s?.keyGroups.keys() ?? [])
        if (!Number.isInteger(kg) || kg < 0 || kg >= contents.maxParallelism)
          throw new CheckpointConfigError(
            `${operatorId} snapshotted key group ${kg}, outside 0..${contents.maxParallelism - 1} (maxParallelism)`,
          );
      if (s) subtasks.push(await writeOperatorState(storage, job, checkpointId, operatorId, subtask, s));
    }
    if (subtasks.length > 0) operators[operatorId] = { subtasks };
  }
  const manifest: Manifest = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    job,
    checkpointId,
    timestamp: contents.timestamp ?? Date.now(),
    maxParallelism: contents.maxParallelism,
    parallelism: contents.parallelism,
    operators,
    sources: structuredClone(contents.sources),
  };
  await writeManifest(storage, manifest);
  return manifest;
}

/** One subtask's acknowledged part of a checkpoint: the state files it wrote and its sources' positions. */
export interface SubtaskShare {
  state: Record<string, SubtaskState>;
  sources: Record<string, SourcePosition>;
}

/**
 * The manifest of a checkpoint whose subtasks have written their state (shares in subtask order),
 * and the bytes of state it lists. Source positions merge over subtasks: their splits are disjoint.
 */
export function assembleManifest(
  head: Omit<Manifest, "formatVersion" | "operators" | "sources">,
  shares: SubtaskShare[],
): { manifest: Manifest; bytes: number } {
  const manifest: Manifest = { formatVersion: CHECKPOINT_FORMAT_VERSION, ...head, operators: {}, sources: {} };
  let bytes = 0;
  for (const share of shares) {
    for (const [op, st] of Object.entries(share.state)) {
      (manifest.operators[op] ??= { subtasks: [] }).subtasks.push(st);
      for (const f of st.files) bytes += f.bytes;
    }
    for (const [src, pos] of Object.entries(share.sources)) Object.assign((manifest.sources[src] ??= {}), pos);
  }
  return { manifest, bytes };
}
