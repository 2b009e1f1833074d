import type { StepSpec } from "../../contract/spec/schema.js";
import type { Relation } from "./relation.js";
import type { SqlPosition } from "./sql-error.js";
import type { SqlNode } from "./tree.js";

/** What compiling one query needs from the job being compiled. */
export interface QueryContext {
  /** Appends a step writing a new stream named after `label`; returns the stream's name. */
  addStep(step: Omit<StepSpec, "as">, label: string, at: SqlPosition): string;
  /** A table (as a source) or a view, by name, seen through `alias` if given. */
  relationOfName(name: string, at: SqlPosition, alias?: string): Relation;
  /** A query in parentheses or a view body, compiled into steps. */
  compileQuery(query: SqlNode, label: string, target?: string[]): Relation;
}
