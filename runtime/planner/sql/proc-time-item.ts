import { childrenOf, ruleOf, type SqlNode, tokensOf } from "./tree.js";

/**
 * Whether a select item is `PROCTIME() [AS] p`, the one place PROCTIME() is allowed (proc-time.ts).
 * Apart, with nothing but the tree, because the refusal check (unsupported.ts) needs it too.
 */
export function isProcTimeItem(item: SqlNode): boolean {
  const parts = childrenOf(item).filter((c) => ruleOf(c) !== undefined && ruleOf(c) !== "columnAlias");
  return parts.length === 1 && tokensOf(parts[0]).join(" ").toUpperCase() === "PROCTIME ( )";
}
