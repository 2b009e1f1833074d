import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { CheckpointConfigError, CorruptCheckpointError, UnsupportedCheckpointVersionError } from "./errors.js";
import { DIGEST_PATTERN, verifyManifest } from "./manifest-digest.js";

/**
 * The checkpoint format: where objects live and what the manifest says. Documented in docs/checkpoints.md
 * ("Checkpoint format"). Version policy: fields may be added (readers ignore fields they do not
 * know) without a new version; any change to the meaning or layout of existing fields bumps
 * CHECKPOINT_FORMAT_VERSION, and a Sabot keeps reading every older version.
 */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The manifest, relative to the checkpoint folder. Written last: its presence marks completion. */
export const MANIFEST_NAME = "manifest.json";

/** One Arrow IPC file: the state of one key group of one operator subtask. */
export const StateFileSchema = Type.Object({
  /** Relative to the checkpoint folder. Readers use this path; they never derive it. */
  path: Type.String({ minLength: 1 }),
  keyGroup: Type.Integer({ minimum: 0 }),
  /** Exact size in bytes: a file of another size is truncated or foreign, and the checkpoint unusable. */
  bytes: Type.Integer({ minimum: 0 }),
  rows: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
});

/** What one subtask of an operator snapshotted: its metadata and its key groups' files. */
export const SubtaskStateSchema = Type.Object({
  subtask: Type.Integer({ minimum: 0 }),
  /** The operator's own JSON metadata (OperatorSnapshot.meta), with the operator's own version. */
  meta: Type.Record(Type.String(), Type.Unknown()),
  files: Type.Array(StateFileSchema),
});

/**
 * Checkpoints are taken periodically and pruned by retention (`chk-<id>` folders); savepoints are
 * taken on request and kept until someone deletes them (`sp-<id>`). Both have the same contents and
 * share one id sequence per job.
 */
export type SnapshotKind = "checkpoint" | "savepoint";
const FOLDER_PREFIX: Record<SnapshotKind, string> = { checkpoint: "chk-", savepoint: "sp-" };

export const ManifestSchema = Type.Object({
  formatVersion: Type.Integer({ minimum: 1 }),
  /** Absent in manifests written before savepoints existed: those are checkpoints. */
  kind: Type.Optional(Type.Union([Type.Literal("checkpoint"), Type.Literal("savepoint")])),
  /**
   * The explicit restore source the writing coordinator was started with (SABOT_RESTORE_FROM: a
   * folder URL or "none"; absent when it had none). A coordinator started with a source continues
   * only from checkpoints of the same origin, so pointing a job at an older savepoint is not undone
   * by the job's newer checkpoints, while its own progress survives a coordinator restart.
   */
  origin: Type.Optional(Type.String()),
  job: Type.String({ minLength: 1 }),
  checkpointId: Type.Integer({ minimum: 1 }),
  /** When the checkpoint was taken: milliseconds since the Unix epoch. */
  timestamp: Type.Integer(),
  /** Number of key groups; state can be restored only with the same value. */
  maxParallelism: Type.Integer({ minimum: 1 }),
  /** Parallelism of the job that wrote the checkpoint (a restore may use another). */
  parallelism: Type.Integer({ minimum: 1 }),
  /** Operator id (e.g. `pipeline[2].window`) → the state of each of its subtasks. */
  operators: Type.Record(Type.String(), Type.Object({ subtasks: Type.Array(SubtaskStateSchema) })),
  /** Source name → split → next offset to read (SourcePosition), merged over subtasks. */
  sources: Type.Record(Type.String(), Type.Record(Type.String(), Type.String())),
  /** HMAC-SHA-256 of the rest with the job's key (manifest-digest.ts); absent when written without one. */
  digest: Type.Optional(Type.String({ pattern: DIGEST_PATTERN })),
});

export type StateFile = Static<typeof StateFileSchema>;
export type SubtaskState = Static<typeof SubtaskStateSchema>;
export type Manifest = Static<typeof ManifestSchema>;

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Job names become path segments, so they are limited to what is safe in a key and a file name. */
export function checkJobName(job: string): string {
  if (!JOB_NAME.test(job))
    throw new CheckpointConfigError(
      `job name "${job}" cannot name a checkpoint folder: use letters, digits, ".", "_" and "-"`,
    );
  return job;
}

export function checkpointDir(job: string, id: number, kind: SnapshotKind = "checkpoint"): string {
  if (!Number.isSafeInteger(id) || id < 1)
    throw new CheckpointConfigError(`checkpoint id must be a positive integer, got ${id}`);
  return `${checkJobName(job)}/${FOLDER_PREFIX[kind]}${id}`;
}

/** The storage prefix under which every folder of that kind of the job lies. */
export function folderPrefix(job: string, kind: SnapshotKind): string {
  return `${checkJobName(job)}/${FOLDER_PREFIX[kind]}`;
}

/** `<job>/chk-<id>/<rest>` (or `sp-`) → id and rest; null for keys that are not in such a folder. */
export function parseCheckpointKey(
  job: string,
  key: string,
  kind: SnapshotKind = "checkpoint",
): { id: number; rest: string } | null {
  const re = new RegExp(`^${FOLDER_PREFIX[kind]}([1-9][0-9]*)/(.+)$`);
  const m = re.exec(key.startsWith(`${job}/`) ? key.slice(job.length + 1) : "");
  if (!m) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? { id, rest: m[2] } : null;
}

/**
 * Folder of an operator's state. Operator ids contain characters such as `[` and `]`; they are
 * percent-encoded so any id maps to one safe path segment.
 */
export function stateFilePath(operatorId: string, subtask: number, keyGroup: number): string {
  const op = encodeURIComponent(operatorId).replace(
    /[!'()*~.]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `state/${op}/${subtask}/kg-${keyGroup}.arrow`;
}

/**
 * Parses and checks a manifest. Unreadable JSON, a wrong shape or a digest that does not match the
 * key (see manifest-digest.ts) is corruption; a newer format version is refused with its own
 * error, because falling back to an older checkpoint would silently rewind the job.
 */
export function parseManifest(
  bytes: Uint8Array,
  location: string,
  expect: { job: string; id: number; key?: Uint8Array },
): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new CorruptCheckpointError(location, `the manifest is not valid JSON (${(err as Error).message})`);
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === "number" && version > CHECKPOINT_FORMAT_VERSION)
    throw new UnsupportedCheckpointVersionError(location, version, CHECKPOINT_FORMAT_VERSION);
  if (!Value.Check(ManifestSchema, json)) {
    const first = Value.Errors(ManifestSchema, json).First();
    throw new CorruptCheckpointError(
      location,
      `the manifest is malformed at ${first?.path || "/"}: ${first?.message ?? "?"}`,
    );
  }
  verifyManifest(json, expect.key, location);
  if (json.job !== expect.job || json.checkpointId !== expect.id)
    throw new CorruptCheckpointError(location, `the manifest is for job ${json.job}, checkpoint ${json.checkpointId}`);
  return json;
}
