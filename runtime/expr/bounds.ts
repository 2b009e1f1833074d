import { EXPRESSION_LIMITS, SPLIT_EXPRESSION_HINT } from "../contract/spec/limits.js";
import { ExprError } from "./errors.js";

/**
 * EXPRESSION_LIMITS, checked around node-sql-parser: the parser and the converter recurse once
 * per nesting level, so an expression over the bounds would exhaust the stack (or take seconds)
 * instead of getting a message. Checked on the text before parsing and on the tree after.
 */

const { maxChars, maxDepth } = EXPRESSION_LIMITS;

function shown(sql: string): string {
  return sql.length > 60 ? `\`${sql.slice(0, 60)}…\`` : `\`${sql}\``;
}

function tooDeep(sql: string, what: string): ExprError {
  return new ExprError(
    `SQL expression ${shown(sql)} ${what}; the limit is ${maxDepth} levels: ${SPLIT_EXPRESSION_HINT}`,
  );
}

/** Deepest nesting of parentheses outside quoted strings and identifiers. */
function parenDepth(sql: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | null = null;
  for (const c of sql) {
    if (quote !== null) {
      if (c === quote) quote = null; // '' inside a string closes and reopens it: same count
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(") deepest = Math.max(deepest, ++depth);
    else if (c === ")") depth--;
  }
  return deepest;
}

/** Refuses expression text over the length or parenthesis bound, before the parser sees it. */
export function checkExpressionText(sql: string): void {
  if (sql.length > maxChars)
    throw new ExprError(
      `SQL expression ${shown(sql)} has ${sql.length} characters; the limit is ${maxChars}: ${SPLIT_EXPRESSION_HINT}`,
    );
  const depth = parenDepth(sql);
  if (depth > maxDepth) throw tooDeep(sql, `nests parentheses ${depth} levels deep`);
}

/** The parser ran out of stack: the text nests deeper than its grammar can follow. */
export function parserTooDeep(sql: string): ExprError {
  return tooDeep(sql, "nests too deeply for the parser");
}

/**
 * Refuses a parsed tree deeper than the bound, counting the parser's typed nodes (operators,
 * calls, CASE, literals) on the longest path. Iterative: the tree may be deeper than the stack.
 */
export function checkExpressionTree(sql: string, root: unknown): void {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    const d = typeof (node as { type?: unknown }).type === "string" ? depth + 1 : depth;
    if (d > maxDepth)
      throw tooDeep(
        sql,
        `nests more than ${maxDepth} levels deep (every term of a chain like a AND b AND c, every call and every CASE is a level)`,
      );
    for (const child of Object.values(node)) if (child !== null && typeof child === "object") stack.push([child, d]);
  }
}
