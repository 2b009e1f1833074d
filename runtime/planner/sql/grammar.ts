import { flink } from "./flink-grammar.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import type { SqlNode } from "./tree.js";

/** The parse tree of a SQL text, or SqlErrors (every syntax error, in order) with line and column. */
export function parseFlinkSql(text: string): SqlNode {
  const errors: SqlError[] = [];
  const tree = flink.parse(text, (e) => {
    const at: SqlPosition = { line: e.startLine, column: e.startColumn };
    if (!errors.some((x) => x.at.line === at.line && x.at.column === at.column))
      errors.push(new SqlError(at, `syntax error: ${e.message}`));
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
