import { rewriteAggregateFilters } from "./filter-clause.js";
import { parseRewritten } from "./flink-grammar.js";
import { rewriteSessionWindows } from "./session-tvf.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import type { SqlNode } from "./tree.js";

/**
 * Valid Flink SQL that the grammar (dt-sql-parser 4.5.1) rejects, by the word it stops at: the
 * syntax error then says so, instead of only that the word is unexpected.
 */
const GRAMMAR_GAPS: Record<string, string> = {
  SESSION:
    "write the SESSION window table function as TABLE(SESSION(TABLE t [PARTITION BY k], DESCRIPTOR(ts), INTERVAL ...))",
  FILTER: "FILTER (WHERE ...) follows an aggregate call: COUNT(*) FILTER (WHERE price < 10000)",
};

/** The parse tree of a SQL text, or SqlErrors (every syntax error, in order) with line and column. */
export function parseFlinkSql(text: string): SqlNode {
  refuseHints(text);
  const errors: SqlError[] = [];
  const onError = (e: { startLine: number; startColumn: number; message: string }) => {
    const at: SqlPosition = { line: e.startLine, column: e.startColumn };
    if (!errors.some((x) => x.at.line === at.line && x.at.column === at.column))
      errors.push(new SqlError(at, `syntax error: ${e.message}`, gapHint(e.message)));
  };
  const tree = parseRewritten(text, onError, (tokens) => {
    rewriteSessionWindows(tokens);
    rewriteAggregateFilters(tokens);
  });
  if (errors.length > 0) throw new SqlSyntaxErrors(errors);
  return tree as unknown as SqlNode;
}

/** Every syntax error of one text. */
export class SqlSyntaxErrors extends Error {
  constructor(readonly errors: SqlError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "SqlSyntaxErrors";
  }
}

function gapHint(message: string): string | undefined {
  const word = /^'([^']*)'/.exec(message)?.[1]?.toUpperCase();
  return word === undefined ? undefined : GRAMMAR_GAPS[word];
}

/**
 * `/*+ OPTIONS(...) *\/` hints change what a query does, and the grammar reads them as comments:
 * refused, so none is ignored silently.
 */
function refuseHints(text: string): void {
  const masked = text.replace(/'(?:[^']|'')*'/g, (s) => " ".repeat(s.length));
  const at = masked.indexOf("/*+");
  if (at < 0) return;
  const before = text.slice(0, at).split("\n");
  throw new SqlSyntaxErrors([
    new SqlError(
      { line: before.length, column: before[before.length - 1].length + 1 },
      "SQL hints (/*+ ... */) are not supported",
      "put table options in CREATE TABLE ... WITH (...)",
    ),
  ]);
}
