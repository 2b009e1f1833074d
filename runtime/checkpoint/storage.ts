import { CheckpointConfigError } from "./errors.js";

/** An object in checkpoint storage: its key (relative to the storage root) and size in bytes. */
export interface StoredObject {
  key: string;
  size: number;
}

/**
 * The few operations checkpoints need from an object store. Keys are `/`-separated paths relative
 * to the storage root (`<job>/chk-<id>/manifest.json`). `put` is atomic: a reader sees the whole
 * object or none of it (a rename on a local disk; S3 objects appear only when their upload
 * completes), which is what lets the manifest mark a checkpoint complete.
 */
export interface CheckpointStorage {
  /**
   * The job's key for manifest digests (SABOT_CHECKPOINT_KEY, set by openCheckpointStorage):
   * manifests are signed when written and refused when read unless they match. None: unsigned.
   */
  manifestKey?: Uint8Array;
  /** Human-readable location of a key, for messages and logs (`s3://bucket/prefix/key`). */
  describe(key: string): string;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Every object whose key starts with `prefix`, at any depth, in no particular order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Deletes the objects; keys that do not exist are ignored. */
  delete(keys: string[]): Promise<void>;
}

/** Rejects keys that could escape the storage root or address nothing (`..`, empty segments). */
export function checkKey(key: string): string {
  const parts = key.split("/");
  if (key === "" || parts.some((p) => p === "" || p === "." || p === ".."))
    throw new CheckpointConfigError(
      `invalid checkpoint object key "${key}": use relative paths without empty, "." or ".." segments`,
    );
  return key;
}
