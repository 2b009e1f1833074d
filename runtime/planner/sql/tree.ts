import { ruleNames } from "./flink-grammar.js";
import type { SqlPosition } from "./sql-error.js";

/** What the compiler reads of an ANTLR token. */
interface SqlToken {
  readonly line: number;
  /** 0-based. */
  readonly column: number;
  readonly text: string | undefined;
}

/**
 * A node of dt-sql-parser's parse tree, read structurally: a rule context (with `children` and a
 * `start` token) or a terminal (with `symbol`). A context's rule is its grammar rule's name; its
 * class name tells a rule's labelled alternatives apart (SubqueryExpressionContext).
 */
export interface SqlNode {
  readonly children?: SqlNode[] | null;
  readonly ruleIndex?: number;
  readonly start?: SqlToken | null;
  readonly symbol?: SqlToken;
  getText(): string;
}

export function ruleOf(n: SqlNode): string | undefined {
  return n.symbol || n.ruleIndex === undefined ? undefined : ruleNames()[n.ruleIndex];
}

/** The labelled alternative of a context (SubqueryExpression), or its rule's own class name. */
export function labelOf(n: SqlNode): string {
  return n.constructor.name.replace(/Context$/, "");
}

export function childrenOf(n: SqlNode, rule?: string): SqlNode[] {
  const all = n.children ?? [];
  return rule === undefined ? all : all.filter((c) => ruleOf(c) === rule);
}

export function childOf(n: SqlNode, rule: string): SqlNode | undefined {
  return childrenOf(n, rule)[0];
}

/** The first node of this rule at or below n (depth first), not looking inside `stopAt` rules. */
export function findRule(n: SqlNode, rule: string, stopAt: readonly string[] = []): SqlNode | undefined {
  if (ruleOf(n) === rule) return n;
  for (const c of childrenOf(n)) {
    if (stopAt.includes(ruleOf(c) ?? "")) continue;
    const hit = findRule(c, rule, stopAt);
    if (hit) return hit;
  }
  return undefined;
}

/** Every node of this rule at or below n, not looking inside a hit or inside `stopAt` rules. */
export function findRules(n: SqlNode, rule: string, stopAt: readonly string[] = []): SqlNode[] {
  if (ruleOf(n) === rule) return [n];
  return childrenOf(n).flatMap((c) => (stopAt.includes(ruleOf(c) ?? "") ? [] : findRules(c, rule, stopAt)));
}

/** The terminal tokens' texts under n, in order. */
export function tokensOf(n: SqlNode): string[] {
  if (n.symbol) return [n.symbol.text ?? ""];
  return childrenOf(n).flatMap(tokensOf);
}

/** The first keyword or symbol directly under n, upper-cased (CREATE, TUMBLE, ...). */
export function keywordOf(n: SqlNode): string {
  return (tokensOf(n)[0] ?? "").toUpperCase();
}

export function positionOf(n: SqlNode): SqlPosition {
  const t = n.symbol ?? n.start;
  return t ? { line: t.line, column: t.column + 1 } : { line: 1, column: 1 };
}

/** An identifier's name: `quoted` loses its backticks (and `` doubles to one), 'quoted' its quotes. */
export function nameOf(n: SqlNode): string {
  const text = n.getText();
  if (/^`.*`$/s.test(text)) return text.slice(1, -1).replace(/``/g, "`");
  if (/^'.*'$/s.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

/** A dotted name (`B.price`, `db.t`) as its parts. */
export function pathOf(n: SqlNode): string[] {
  return findRules(n, "identifier").map(nameOf);
}
