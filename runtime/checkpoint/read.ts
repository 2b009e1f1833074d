import { createHash } from "node:crypto";
import { RecordBatch, tableFromIPC } from "apache-arrow";
import type { SourcePosition } from "../connectors/connector.js";
import type { GatheredSnapshot } from "../operators/operator.js";
import { CheckpointConfigError, CheckpointNotFoundError, CorruptCheckpointError } from "./errors.js";
import { IO_CONCURRENCY, mapLimit } from "./limit.js";
import {
  checkpointDir,
  MANIFEST_NAME,
  type Manifest,
  parseManifest,
  type SnapshotKind,
  type StateFile,
} from "./manifest.js";
import type { CheckpointStorage } from "./storage.js";

export interface ReadOptions {
  /**
   * Key groups [start, end) to load, e.g. `keyGroupRange(subtask, newParallelism, maxParallelism)`
   * when restoring with another parallelism. All key groups when absent.
   */
  keyGroups?: [number, number];
  /** Operators to load; all when absent. */
  operators?: readonly string[];
  /** The restoring job's maxParallelism: refused if it differs from the checkpoint's. */
  maxParallelism?: number;
  /** A savepoint (`sp-<id>`) rather than a checkpoint (`chk-<id>`). */
  kind?: SnapshotKind;
}

export interface RestoredCheckpoint {
  manifest: Manifest;
  /**
   * Operator id → one snapshot per stored subtask that holds key groups in the range (and each
   * stored subtask without key groups, whose state is all metadata). Restore them one after
   * another: operators accept the union of several subtasks' key groups.
   */
  operators: Map<string, GatheredSnapshot[]>;
  sources: Record<string, SourcePosition>;
}

/**
 * Reads a checkpoint's manifest and the state files in the requested key-group range. Every file
 * is checked against the manifest's size and SHA-256; a mismatch throws CorruptCheckpointError.
 */
export async function readCheckpoint(
  storage: CheckpointStorage,
  job: string,
  checkpointId: number,
  opts: ReadOptions = {},
): Promise<RestoredCheckpoint> {
  const dir = checkpointDir(job, checkpointId, opts.kind);
  const location = storage.describe(dir);
  const bytes = await storage.get(`${dir}/${MANIFEST_NAME}`);
  if (bytes === null) throw new CheckpointNotFoundError(location, "it has no manifest, so it never completed");
  const manifest = parseManifest(bytes, location, { job, id: checkpointId, key: storage.manifestKey });
  if (opts.maxParallelism !== undefined && opts.maxParallelism !== manifest.maxParallelism)
    throw new CheckpointConfigError(
      `checkpoint ${location} was written with maxParallelism ${manifest.maxParallelism} and the job has ${opts.maxParallelism}: ` +
        "key groups cannot be remapped, so set maxParallelism back to the checkpoint's value (parallelism may change)",
    );
  const [start, end] = opts.keyGroups ?? [0, manifest.maxParallelism];
  const wanted = opts.operators ? new Set(opts.operators) : null;

  const operators = new Map<string, GatheredSnapshot[]>();
  for (const [operatorId, op] of Object.entries(manifest.operators)) {
    if (wanted && !wanted.has(operatorId)) continue;
    const snapshots: GatheredSnapshot[] = [];
    for (const sub of op.subtasks) {
      const files = sub.files.filter((f) => f.keyGroup >= start && f.keyGroup < end);
      if (files.length === 0 && sub.files.length > 0) continue;
      const batches = await mapLimit(files, IO_CONCURRENCY, (f) => readStateFile(storage, dir, location, f));
      snapshots.push({
        meta: structuredClone(sub.meta),
        keyGroups: new Map(files.map((f, i) => [f.keyGroup, batches[i]])),
      });
    }
    operators.set(operatorId, snapshots);
  }
  return { manifest, operators, sources: structuredClone(manifest.sources) };
}

async function readStateFile(
  storage: CheckpointStorage,
  dir: string,
  location: string,
  file: StateFile,
): Promise<RecordBatch> {
  const bytes = await storage.get(`${dir}/${file.path}`);
  if (bytes === null) throw new CorruptCheckpointError(location, `${file.path} is missing`);
  if (bytes.byteLength !== file.bytes)
    throw new CorruptCheckpointError(
      location,
      `${file.path} has ${bytes.byteLength} bytes, the manifest says ${file.bytes}`,
    );
  if (createHash("sha256").update(bytes).digest("hex") !== file.sha256)
    throw new CorruptCheckpointError(location, `${file.path} does not match its SHA-256 in the manifest`);
  const table = tableFromIPC(bytes);
  const batch =
    table.batches.length === 1 ? table.batches[0] : table.batches.length === 0 ? new RecordBatch(table.schema) : null;
  if (batch === null || batch.numRows !== file.rows)
    throw new CorruptCheckpointError(
      location,
      `${file.path} does not hold the ${file.rows} rows of one batch the manifest lists`,
    );
  return batch;
}
