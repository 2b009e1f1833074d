/**
 * Errors of the checkpoint store. Messages say which checkpoint (storage location) is affected and
 * what to do about it.
 */

/** A checkpoint setting that cannot work (storage URL, job name, retention). */
export class CheckpointConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointConfigError";
  }
}

/**
 * A checkpoint that is listed as complete but cannot be used: a manifest of an unknown format
 * version, or a state file whose size or checksum differs from the manifest.
 */
export class CorruptCheckpointError extends Error {
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(`checkpoint ${location} cannot be used: ${detail}`);
    this.name = "CorruptCheckpointError";
  }
}

/** The manifest was written by a newer Sabot whose format this build cannot read. */
export class UnsupportedCheckpointVersionError extends Error {
  constructor(location: string, found: unknown, supported: number) {
    super(
      `checkpoint ${location} has format version ${String(found)}; this Sabot reads versions 1 to ${supported}. ` +
        "Run a Sabot release at least as new as the one that wrote it.",
    );
    this.name = "UnsupportedCheckpointVersionError";
  }
}

/** No (complete) checkpoint with this id exists. */
export class CheckpointNotFoundError extends Error {
  constructor(location: string, detail: string) {
    super(`checkpoint ${location} not found: ${detail}`);
    this.name = "CheckpointNotFoundError";
  }
}
