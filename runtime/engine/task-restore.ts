import {
  CheckpointConfigError,
  type CheckpointStorage,
  CorruptCheckpointError,
  locateSnapshot,
  openSnapshotStorage,
  type RestoredCheckpoint,
  readCheckpoint,
  type SnapshotKind,
} from "../checkpoint/index.js";
import type { Sink, SourcePosition } from "../connectors/connector.js";
import { keyGroupRange } from "../kernels/hash.js";
import type { Logger } from "../log.js";
import type { GatheredSnapshot } from "../operators/operator.js";
import type { JobPlan } from "../planner/plan.js";
import type { Dataflow } from "./dataflow.js";

/** State entries holding a sink subtask's prepared output (see Sink.preparedOutput), not an operator's. */
export const SINK_OUTPUT_PREFIX = "sink-output:";

export function sinkOutputId(sink: string, subtask: number): string {
  return `${SINK_OUTPUT_PREFIX}${sink}#${subtask}`;
}

/**
 * The checkpoint to restore cannot be used: it is corrupt, or an exactly-once sink of this
 * subtask made output visible only up to an older checkpoint (restoring would lose what lies
 * between). The coordinator restores a checkpoint with an id below `below` instead.
 */
export class RestoreBoundError extends Error {
  constructor(
    readonly below: number,
    message: string,
  ) {
    super(message);
  }
}

/** The task as a restore sees it. */
export interface RestorableTask {
  readonly plan: JobPlan;
  readonly flow: Dataflow;
  readonly subtask: number;
  readonly parallelism: number;
  readonly jobName: string;
  readonly sinks: { all(): IterableIterator<{ name: string; sink: Sink }> };
  readonly log: Logger;
}

/** A snapshot to restore: where it lies and which one. */
export interface SnapshotRef {
  storage: CheckpointStorage;
  job: string;
  id: number;
  kind: SnapshotKind;
  /** For logs and errors. */
  url: string;
}

/**
 * Reads this task's share of a checkpoint or savepoint: the key groups it owns now (the
 * parallelism may differ from the one that wrote it) and the positions of every source.
 */
export function readShare(task: RestorableTask, ref: SnapshotRef): Promise<RestoredCheckpoint> {
  const { plan, subtask, parallelism } = task;
  return readCheckpoint(ref.storage, ref.job, ref.id, {
    kind: ref.kind,
    maxParallelism: plan.maxParallelism,
    keyGroups: keyGroupRange(subtask, parallelism, plan.maxParallelism),
  });
}

/**
 * Loads a restored share into the operators and returns the source positions to open from. State
 * of an operator the job no longer has is refused unless `spec.allowNonRestoredState` is set
 * (then dropped with a warning), as Flink does: silently losing state would change results
 * without anyone noticing.
 */
export function applyShare(
  task: RestorableTask,
  restored: RestoredCheckpoint,
  location: string,
): Record<string, SourcePosition> {
  for (const [id, snapshots] of restored.operators) {
    if (id.startsWith(SINK_OUTPUT_PREFIX)) continue;
    const op = task.flow.operator(id);
    if (!op) {
      if (task.plan.spec.allowNonRestoredState) {
        task.log.warn(
          { checkpoint: location, operator: id },
          "dropping the state of an operator the job no longer has",
        );
        continue;
      }
      throw new CheckpointConfigError(
        `checkpoint ${location} holds state of operator ${id}, which the job no longer has: ` +
          "restore the step, or set spec.allowNonRestoredState: true to drop that state",
      );
    }
    for (const s of snapshots) op.restore(s);
  }
  return restored.sources;
}

/**
 * Restores the snapshot at `url` (the distributed coordinator chose it). An exactly-once sink that
 * crashed between the checkpoint's manifest and its own commit redoes that commit first, from the
 * output stored with the checkpoint (see Sink.preparedOutput).
 */
export async function restoreTask(task: RestorableTask, url: string): Promise<Record<string, SourcePosition>> {
  const loc = locateSnapshot(url);
  const ref: SnapshotRef = {
    storage: openSnapshotStorage(loc),
    job: loc.job,
    id: loc.id,
    kind: loc.kind,
    url: loc.url,
  };
  let restored: RestoredCheckpoint;
  try {
    restored = await readShare(task, ref);
  } catch (err) {
    if (err instanceof CorruptCheckpointError && loc.job === task.jobName)
      throw new RestoreBoundError(loc.id, err.message);
    throw err;
  }
  if (loc.job === task.jobName && task.subtask < restored.manifest.parallelism)
    for (const { name, sink } of task.sinks.all())
      if (sink.committedCheckpoint) await recommitSink(task, name, sink, ref, restored);
  const sources = applyShare(task, restored, loc.url);
  task.log.info({ restoredFrom: loc.url }, "restored state");
  return sources;
}

async function recommitSink(
  task: RestorableTask,
  name: string,
  sink: Sink,
  ref: SnapshotRef,
  restored: RestoredCheckpoint,
): Promise<void> {
  const { log, subtask } = task;
  let committed = (await sink.committedCheckpoint!()) ?? 0;
  log.info({ sink: name, committed, restoring: ref.id }, "exactly-once sink's last committed checkpoint");
  if (committed < ref.id) {
    // A marker committed by the crashed producer may become readable a moment later.
    await new Promise((r) => setTimeout(r, 1000));
    committed = (await sink.committedCheckpoint!()) ?? 0;
    log.info({ sink: name, committed, restoring: ref.id }, "exactly-once sink's last committed checkpoint, read again");
  }
  if (committed >= ref.id) return;
  const id = sinkOutputId(name, subtask);
  const stored = restored.operators.get(id)?.[0] ?? (await readSinkOutput(ref, id));
  if (!stored || !sink.recommit)
    throw new RestoreBoundError(
      committed + 1,
      `a sink committed output only up to checkpoint ${committed}, older than ${ref.url}`,
    );
  await sink.recommit(ref.id, [...stored.keyGroups.values()]);
  log.warn(
    { sink: name, checkpoint: ref.id, rows: stored.meta.rows },
    "committed the output of a checkpoint this subtask had not committed before it stopped",
  );
}

/** A sink's stored output (key group 0 lies outside most subtasks' key-group range). */
async function readSinkOutput(ref: SnapshotRef, id: string): Promise<GatheredSnapshot | undefined> {
  const r = await readCheckpoint(ref.storage, ref.job, ref.id, { kind: ref.kind, operators: [id] });
  return r.operators.get(id)?.[0];
}
