import { keyGroupRange } from "../../kernels/hash.js";
import {
  type CheckpointStorage,
  CorruptCheckpointError,
  locateSnapshot,
  openSnapshotStorage,
  readCheckpoint,
  type RestoredCheckpoint,
  type SnapshotLocation,
} from "../../checkpoint/index.js";
import type { Sink, SourcePosition } from "../../connectors/connector.js";
import type { Dataflow } from "../../engine/dataflow.js";
import { restoreOperators, sinkOutputId } from "../../engine/restore-state.js";
import type { Logger } from "../../log.js";
import type { GatheredSnapshot } from "../../operators/operator.js";
import type { Deployment } from "./subtask-run.js";

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

/**
 * Loads this subtask's share of a checkpoint or savepoint: the key groups it owns now (the
 * parallelism may differ from the one that wrote it) and the positions of every source. An
 * exactly-once sink that crashed between the checkpoint's manifest and its own commit redoes
 * that commit first, from the output stored with the checkpoint (see Sink.preparedOutput).
 */
export async function restoreSubtask(
  d: Deployment,
  flow: Dataflow,
  sinks: Map<string, { sink: Sink }>,
  log: Logger,
): Promise<Record<string, SourcePosition>> {
  const { plan, subtask, parallelism, jobName, restoreFrom } = d;
  const loc: SnapshotLocation = locateSnapshot(restoreFrom);
  const storage = openSnapshotStorage(loc);
  let restored: RestoredCheckpoint;
  try {
    restored = await readCheckpoint(storage, loc.job, loc.id, {
      kind: loc.kind,
      maxParallelism: plan.maxParallelism,
      keyGroups: keyGroupRange(subtask, parallelism, plan.maxParallelism),
    });
  } catch (err) {
    if (err instanceof CorruptCheckpointError && loc.job === jobName) throw new RestoreBoundError(loc.id, err.message);
    throw err;
  }
  if (loc.job === jobName && subtask < restored.manifest.parallelism)
    for (const [name, { sink }] of sinks) {
      if (!sink.committedCheckpoint) continue;
      let committed = (await sink.committedCheckpoint()) ?? 0;
      log.info({ sink: name, committed, restoring: loc.id }, "exactly-once sink's last committed checkpoint");
      if (committed < loc.id) {
        // A marker committed by the crashed producer may become readable a moment later.
        await new Promise((r) => setTimeout(r, 1000));
        committed = (await sink.committedCheckpoint()) ?? 0;
        log.info({ sink: name, committed, restoring: loc.id }, "exactly-once sink's last committed checkpoint, read again");
      }
      if (committed >= loc.id) continue;
      const stored = restored.operators.get(sinkOutputId(name, subtask))?.[0] ?? (await readSinkOutput(storage, loc, sinkOutputId(name, subtask)));
      if (!stored || !sink.recommit)
        throw new RestoreBoundError(committed + 1, `a sink committed output only up to checkpoint ${committed}, older than ${loc.url}`);
      await sink.recommit(loc.id, [...stored.keyGroups.values()]);
      log.warn({ sink: name, checkpoint: loc.id, rows: stored.meta.rows }, "committed the output of a checkpoint this subtask had not committed before it stopped");
    }
  restoreOperators(flow, plan, restored, loc.url, log);
  log.info({ restoredFrom: loc.url }, "restored state");
  return restored.sources;
}

/** A sink's stored output (key group 0 lies outside most subtasks' key-group range). */
async function readSinkOutput(storage: CheckpointStorage, loc: SnapshotLocation, id: string): Promise<GatheredSnapshot | undefined> {
  const r = await readCheckpoint(storage, loc.job, loc.id, { kind: loc.kind, operators: [id] });
  return r.operators.get(id)?.[0];
}
