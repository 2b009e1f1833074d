import type { StepSpec } from "../contract/spec/schema.js";
import { columnNames } from "../expr/ast.js";
import { parseExpression, parseSelectItem } from "../expr/parse.js";
import type { Operator } from "../operators/operator.js";
import type { StreamInfo } from "../types/stream-info.js";

/**
 * What validation does after a step fails to build, so that one run reports every problem by path:
 * the step's items (filter, select items, aggregates) are checked one by one, each bad item is
 * reported, and the step's output is derived from the good items so later steps are still checked.
 *
 * Names that a failed item would have defined (its output column) or that it read without their
 * existing are "tainted": a later item reading a tainted name is skipped silently, since its error
 * would only repeat the first one.
 */

/** The items of a step that can be checked on their own; null for steps checked as a whole. */
type ItemOp = "filter" | "select" | "window";

export interface Recovery {
  /** Problems to report at the step's path, each once. */
  messages: string[];
  /** The step's output built from its good items; undefined when nothing can be derived. */
  output: StreamInfo | undefined;
}

export interface RecoveryInput {
  op: string;
  step: StepSpec;
  input: StreamInfo;
  /** The message of the whole step's failure, already without the operator prefix. */
  message: string;
  tainted: Set<string>;
  /** Builds the operator of a copy of the step holding only the given items. */
  build: (step: StepSpec) => () => Operator;
  clean: (err: unknown) => string;
}

export function recoverStep(r: RecoveryInput): Recovery {
  const op = r.op;
  if (op !== "filter" && op !== "select" && op !== "window") {
    return { messages: readsTainted(r.tainted, stepNames(r.step)) ? [] : [r.message], output: undefined };
  }
  const items = itemsOf(op, r.step);
  const columns = new Set(r.input.schema.fields.map((f) => f.name));
  const messages = new Set<string>();
  const good: string[] = [];
  for (const item of items) {
    const reads = readNames(op, item);
    if (readsTainted(r.tainted, reads)) {
      r.tainted.add(outputName(op, item));
      continue;
    }
    try {
      r.build(withItems(op, r.step, [item]))();
      good.push(item);
    } catch (err) {
      messages.add(r.clean(err));
      r.tainted.add(outputName(op, item));
      for (const n of reads) if (!columns.has(n)) r.tainted.add(n);
    }
  }
  // Every item builds alone, yet the step does not: a problem of the items together (a repeated name).
  if (good.length === items.length) return { messages: [r.message], output: undefined };
  // A filter leaves the columns as they are, whether or not its condition is valid.
  if (op === "filter") return { messages: [...messages], output: r.input };
  return { messages: [...messages], output: outputOf(r, op, good) };
}

function outputOf(r: RecoveryInput, op: ItemOp, good: string[]): StreamInfo | undefined {
  if (good.length === 0) return undefined;
  try {
    return r.build(withItems(op, r.step, good))().output;
  } catch {
    return undefined;
  }
}

function itemsOf(op: ItemOp, step: StepSpec): string[] {
  if (op === "filter") return [step.filter!];
  return op === "select" ? step.select! : (step.aggregate ?? []);
}

function withItems(op: ItemOp, step: StepSpec, items: string[]): StepSpec {
  if (op === "filter") return step;
  return op === "select" ? { ...step, select: items } : { ...step, aggregate: items };
}

function readsTainted(tainted: Set<string>, names: Iterable<string>): boolean {
  for (const n of names) if (tainted.has(n)) return true;
  return false;
}

/** Columns an item reads; none when it does not parse (its own error says why). */
function readNames(op: ItemOp, item: string): Set<string> {
  try {
    if (op === "filter") return columnNames(parseExpression(item));
    if (op === "select") return columnNames(parseExpression(parseSelectItem(item).expr));
    // An aggregate's argument is a plain column name: `sum(price)`, `count(distinct bidder)`.
    const arg = /\(\s*(?:distinct\s+)?"?(\w+)"?\s*\)/i.exec(item)?.[1];
    return new Set(arg && arg !== "*" ? [arg] : []);
  } catch {
    return new Set();
  }
}

/** The column an item defines: its AS alias, a bare column's name, or an aggregate's default name. */
function outputName(op: ItemOp, item: string): string {
  const alias = /\bAS\s+"?(\w+)"?\s*$/i.exec(item)?.[1];
  if (alias) return alias;
  if (op === "window") {
    const m = /^\s*(\w+)\s*\(\s*(distinct\s+)?"?(\w+|\*)"?\s*\)\s*$/i.exec(item);
    if (!m || m[3] === "*") return "count";
    return m[2] ? `count_distinct_${m[3]}` : `${m[1].toLowerCase()}_${m[3]}`;
  }
  return item.trim();
}

/** Names a whole-step check reads: key columns of keyBy and joins. */
function stepNames(step: StepSpec): string[] {
  return [
    ...(step.keyBy ?? []),
    ...(step.join ? [...step.join.leftKey, ...step.join.rightKey] : []),
    ...(step.lookupJoin?.key ?? []),
  ];
}
