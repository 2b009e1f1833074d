import { registerHooks } from "node:module";
import type { FlinkSQL } from "dt-sql-parser";
import { SqlError, type SqlPosition } from "./sql-error.js";
import type { SqlNode } from "./tree.js";

/**
 * dt-sql-parser's Flink SQL grammar (ANTLR), behind a narrow door. Its ES build imports its own
 * files without extensions, which bundlers accept and Node does not: this resolve hook adds the
 * `.js` (or `/index.js`) for imports from inside that package only, so the compiled image runs it
 * with plain Node. The package is loaded after the hook, hence the dynamic import.
 */
registerHooks({
  resolve(specifier, context, next) {
    const inside = context.parentURL?.includes("/node_modules/dt-sql-parser/") ?? false;
    if (!inside || !specifier.startsWith(".") || /\.[cm]?js$/.test(specifier)) return next(specifier, context);
    try {
      return next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  },
});
const { FlinkSQL: FlinkSqlClass } = await import("dt-sql-parser");
const flink: FlinkSQL = new FlinkSqlClass();

/** Grammar rule names by rule index. */
export const RULE_NAMES: readonly string[] = flink.createParser("").ruleNames;

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
