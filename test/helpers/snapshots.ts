import { type RecordBatch, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { type GatheredSnapshot, keyGroupBatch, type OperatorSnapshot } from "../../runtime/operators/operator.js";

/** The snapshot with every deferred key group gathered now. */
export function gathered(s: OperatorSnapshot): GatheredSnapshot {
  return { meta: s.meta, keyGroups: new Map([...s.keyGroups].map(([kg, state]) => [kg, keyGroupBatch(state)])) };
}

/** What a checkpoint store does to a snapshot: each key group through Arrow IPC, meta through JSON. */
export function throughStorage(s: OperatorSnapshot, keep: (kg: number) => boolean = () => true): GatheredSnapshot {
  const keyGroups = new Map<number, RecordBatch>();
  for (const [kg, state] of s.keyGroups)
    if (keep(kg)) keyGroups.set(kg, tableFromIPC(tableToIPC(new Table([keyGroupBatch(state)]))).batches[0]);
  return { meta: JSON.parse(JSON.stringify(s.meta)) as Record<string, unknown>, keyGroups };
}
