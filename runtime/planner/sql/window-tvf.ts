import type { WindowSpec } from "../../contract/spec/schema.js";
import { durationText, intervalMillis } from "./interval.js";
import { type PartitionKey, sessionPartitionOf } from "./session-tvf.js";
import { SqlError } from "./sql-error.js";
import { childOf, childrenOf, findRule, keywordOf, nameOf, positionOf, type SqlNode } from "./tree.js";

/** `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL ...))`, read. */
export interface WindowTvf {
  /** The table or view the window reads. */
  table: string;
  tableNode: SqlNode;
  timeColumn: string;
  timeNode: SqlNode;
  window: WindowSpec;
  /** SESSION's `PARTITION BY` columns: sessions are per value of these (empty: one session stream). */
  partitionBy: PartitionKey[];
  at: { line: number; column: number };
}

/** The window table functions and their interval parameters, in Flink's order. */
export function readWindowTvf(clause: SqlNode): WindowTvf {
  const expr = findRule(clause, "windowTVFExpression")!;
  const at = positionOf(expr);
  const nameNode = childOf(expr, "windowTVFName")!;
  const fn = keywordOf(nameNode);
  const params = childrenOf(expr, "windowTVFParam");
  const tableNode = params[0] && findRule(params[0], "timeAttrColumn");
  const descriptor = params[1] && findRule(params[1], "columnDescriptor");
  if (!tableNode || !descriptor)
    throw new SqlError(at, `${fn}: expected ${fn}(TABLE t, DESCRIPTOR(time_column), INTERVAL ...)`);
  const timeNode = findRule(descriptor, "identifier")!;
  const ms = params.slice(2).map((p) => {
    const interval = findRule(p, "timeIntervalExpression");
    if (!interval) throw new SqlError(positionOf(p), `${fn}: expected an INTERVAL`);
    return intervalMillis(interval);
  });
  return {
    table: nameOf(findRule(tableNode, "identifier")!),
    tableNode,
    timeColumn: nameOf(timeNode),
    timeNode,
    window: windowSpec(fn, ms, at),
    partitionBy: sessionPartitionOf(nameNode),
    at,
  };
}

/**
 * A session is per PARTITION BY value, and the engine's session window is per key of the step
 * before it: so the GROUP BY keys must be exactly the partition keys. (Grouping by more columns
 * within a session, or sessions over the whole stream split by key afterwards, would need sessions
 * on other keys than the aggregate's, which the engine has no operator for.)
 */
export function checkSessionKeys(tvf: WindowTvf, keys: string[], at: { line: number; column: number }): void {
  if (tvf.window.type !== "session") return;
  const partition = tvf.partitionBy.map((k) => k.name);
  const same = partition.length === keys.length && partition.every((k) => keys.includes(k));
  if (same) return;
  const want = keys.length > 0 ? keys.join(", ") : undefined;
  throw new SqlError(
    tvf.partitionBy[0]?.at ?? at,
    `SESSION windows here are per ${partition.length > 0 ? `PARTITION BY ${partition.join(", ")}` : "whole table (no PARTITION BY)"} but the GROUP BY keys are ${want ?? "none"}`,
    want
      ? `write SESSION(TABLE ${tvf.table} PARTITION BY ${want}, DESCRIPTOR(${tvf.timeColumn}), ...)`
      : `GROUP BY ${partition.join(", ")}, window_start, window_end`,
  );
}

function windowSpec(fn: string, ms: number[], at: { line: number; column: number }): WindowSpec {
  const arity = (n: number, form: string) => {
    if (ms.length !== n) throw new SqlError(at, `${fn} takes ${form}`);
  };
  switch (fn) {
    case "TUMBLE":
      arity(1, "TUMBLE(TABLE t, DESCRIPTOR(ts), size)");
      return { type: "tumbling", size: durationText(ms[0]) };
    case "HOP":
      arity(2, "HOP(TABLE t, DESCRIPTOR(ts), slide, size)");
      if (ms[0] > ms[1])
        throw new SqlError(
          at,
          "HOP: the slide is longer than the size, so some rows fall in no window",
          "make slide <= size",
        );
      return { type: "sliding", slide: durationText(ms[0]), size: durationText(ms[1]) };
    case "SESSION":
      arity(1, "SESSION(TABLE t, DESCRIPTOR(ts), gap)");
      return { type: "session", gap: durationText(ms[0]) };
    default:
      throw new SqlError(at, `${fn} windows are not supported yet`, "use TUMBLE, HOP or SESSION");
  }
}
