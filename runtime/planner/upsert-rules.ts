import type { SinkSpec } from "../contract/spec/schema.js";
import type { StreamInfo } from "../types/stream-info.js";

/**
 * What may follow an UPSERT stream (StreamInfo.upsertKey): rows are new values of earlier rows,
 * not events. A select that keeps the upsert key columns maps each update to an update of the same
 * key; anything else (a filter would have to delete rows, joins and windows need retractions)
 * is refused with a hint, never computed over updates as if they were events.
 */
export const UPSERT_HINT =
  "an upsert stream (unbounded GROUP BY) holds each key's latest value; write it to a console sink or a kafka sink whose key is the upsert key (a compacted topic), or aggregate in a window instead";

/** The output of `op` over its inputs: upsert when its input is, or an error saying why not. */
export function upsertOutput(op: string, inputs: (StreamInfo | undefined)[], output: StreamInfo): StreamInfo {
  const upsert = inputs.find((i) => i?.upsertKey !== undefined);
  if (!upsert) return output;
  const key = upsert.upsertKey!;
  if (op !== "select")
    throw new Error(`a ${op} step cannot read an upsert stream (upsert key: [${key.join(", ")}]): ${UPSERT_HINT}`);
  const names = new Set(output.schema.fields.map((f) => f.name));
  const lost = key.filter((k) => !names.has(k));
  if (lost.length > 0)
    throw new Error(
      `a select over an upsert stream must keep its upsert key columns as they are; missing ${lost.join(", ")}`,
    );
  return { ...output, upsertKey: [...key] };
}

/** Sinks that can take updates: console (shows them) and kafka keyed by exactly the upsert key. */
export function checkUpsertSink(sink: SinkSpec, input: StreamInfo): void {
  const key = input.upsertKey;
  if (key === undefined || sink.console) return;
  if (sink.kafka) {
    const got = sink.kafka.key ?? [];
    if (got.length === key.length && got.every((k) => key.includes(k))) return;
    throw new Error(
      `this stream is an upsert stream on [${key.join(", ")}]: set the kafka sink's key to exactly those columns (key: [${key.join(", ")}]) so a compacted topic keeps the last value per key`,
    );
  }
  throw new Error(
    `this stream is an upsert stream on [${key.join(", ")}]; a files sink is append-only and cannot take its updates: ${UPSERT_HINT}`,
  );
}
