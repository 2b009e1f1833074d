import type { WindowSpec } from "../../contract/spec/schema.js";
import { durationText, intervalMillis } from "./interval.js";
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
  at: { line: number; column: number };
}

/** The window table functions and their interval parameters, in Flink's order. */
export function readWindowTvf(clause: SqlNode): WindowTvf {
  const expr = findRule(clause, "windowTVFExpression")!;
  const at = positionOf(expr);
  const fn = keywordOf(childOf(expr, "windowTVFName")!);
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
    at,
  };
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
