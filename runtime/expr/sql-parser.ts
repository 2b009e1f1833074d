import flink from "node-sql-parser/build/flinksql.js";
import postgres from "node-sql-parser/build/postgresql.js";
import { checkExpressionText, checkExpressionTree, parserTooDeep } from "./bounds.js";
import { ExprError } from "./errors.js";

/**
 * node-sql-parser, behind a narrow door. We parse `SELECT <expr> FROM t` and hand back the select
 * list. PostgreSQL's grammar is the main one (standard quoting: "identifier", 'string'); Flink's
 * is the fallback for the few standard forms PostgreSQL's grammar lacks here, e.g.
 * `CAST(x AS STRING)` and `SUBSTRING(s FROM 1 FOR 3)`.
 */

/** A node of node-sql-parser's AST: untyped JSON, read through the helpers in parse.ts. */
export type RawNode = { readonly [key: string]: unknown };

export interface RawSelectItem {
  expr: RawNode;
  as: string | null;
}

interface SqlParser {
  astify(sql: string, opt?: { database?: string }): unknown;
}
type ParserModule = { Parser: new () => SqlParser };

// The dialect bundles are CommonJS without a default-export typing; their module object carries Parser.
const pgParser = new (postgres as unknown as ParserModule).Parser();
const flinkParser = new (flink as unknown as ParserModule).Parser();

const PREFIX = "SELECT ";

/** The select list of `SELECT <sql> FROM t`, or an ExprError saying where the syntax breaks. */
export function parseSelectList(sql: string): RawSelectItem[] {
  if (sql.trim() === "") throw new ExprError("empty SQL expression");
  checkExpressionText(sql);
  if (/;/.test(sql.replace(/'(?:[^']|'')*'/g, "")))
    throw new ExprError(`\`${sql}\`: ';' is not allowed in an expression`);
  const text = `${PREFIX}${sql} FROM t`;
  let ast: unknown;
  try {
    ast = pgParser.astify(text, { database: "postgresql" });
  } catch (pgError) {
    if (pgError instanceof RangeError) throw parserTooDeep(sql);
    try {
      ast = flinkParser.astify(text, { database: "flinksql" });
    } catch (flinkError) {
      throw flinkError instanceof RangeError ? parserTooDeep(sql) : new ExprError(syntaxMessage(sql, pgError));
    }
  }
  checkExpressionTree(sql, ast);
  const stmt = (Array.isArray(ast) ? ast[0] : ast) as RawNode | undefined;
  const from = stmt?.from as RawNode[] | null | undefined;
  const columns = stmt?.columns;
  if (stmt?.type !== "select" || !Array.isArray(columns) || !from || from.length !== 1 || stmt.where) {
    throw new ExprError(`\`${sql}\` is not a single SQL expression`);
  }
  return columns.map((c: RawNode) => {
    if (c === null || typeof c !== "object" || !c.expr) throw new ExprError(`\`${sql}\` is not a SQL expression`);
    return { expr: c.expr as RawNode, as: typeof c.as === "string" ? c.as : null };
  });
}

/** The parser's message, with the position made relative to the user's text. */
function syntaxMessage(sql: string, err: unknown): string {
  const e = err as { message?: string; location?: { start?: { offset?: number } } };
  const offset = e.location?.start?.offset;
  const found = /but (.*) found\.?$/.exec(e.message ?? "")?.[1];
  const at =
    offset === undefined
      ? ""
      : offset - PREFIX.length >= sql.length
        ? " at the end"
        : ` at position ${offset - PREFIX.length + 1} (near ${found ?? JSON.stringify(sql.slice(offset - PREFIX.length))})`;
  const word = /^\s*([A-Za-z_]+)\s*$/.exec(sql)?.[1];
  const hint = word ? `; if "${word}" is a column, quote it: "${word}"` : "";
  return `syntax error in SQL expression \`${sql}\`${at}${hint}`;
}
