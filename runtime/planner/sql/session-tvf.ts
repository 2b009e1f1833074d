import { type LexedToken, tokenTypeOf } from "./flink-grammar.js";
import type { SqlPosition } from "./sql-error.js";
import type { SqlNode } from "./tree.js";

/** Where the grammar puts whitespace and comments: tokens the parser does not read. */
const HIDDEN_CHANNEL = 1;

/** A session window's `PARTITION BY` column, as written. */
export interface PartitionKey {
  name: string;
  at: SqlPosition;
}

/** Per SESSION token of a parsed text, the PARTITION BY columns its table argument named. */
const partitions = new WeakMap<object, PartitionKey[]>();

/**
 * Flink's `TABLE(SESSION(TABLE t [PARTITION BY k, ...], DESCRIPTOR(ts), gap))` is valid Flink SQL
 * that dt-sql-parser 4.5.1's grammar lacks (its window functions are TUMBLE, HOP and CUMULATE, and a
 * table argument takes no PARTITION BY). Rewritten on the lexed tokens, before the parser reads
 * them: the SESSION token is given TUMBLE's token type (its text stays SESSION, so the tree reads
 * `SESSION`), and the `PARTITION BY k, ...` tokens move to the hidden channel, recorded here for
 * `sessionPartitionOf`. No token changes text, line or column, so the tree and every syntax error
 * point into the source as written; text that does not match the pattern is left alone and gets
 * the grammar's own error.
 */
export function rewriteSessionWindows(tokens: LexedToken[]): void {
  const visible = tokens.filter((t) => t.channel !== HIDDEN_CHANNEL);
  const word = (i: number) => (visible[i]?.text ?? "").toUpperCase();
  for (let i = 0; i + 3 < visible.length; i++) {
    if (word(i) !== "TABLE" || word(i + 1) !== "(" || word(i + 2) !== "SESSION" || word(i + 3) !== "(") continue;
    const session = visible[i + 2];
    session.type = tokenTypeOf("TUMBLE");
    const partition = partitionBy(visible, i + 4);
    if (!partition) continue;
    partitions.set(session, partition.keys.map(keyOf));
    for (const t of partition.hide) t.channel = HIDDEN_CHANNEL;
  }
}

/** The PARTITION BY columns of the SESSION call whose name is `nameNode` (windowTVFName), if any. */
export function sessionPartitionOf(nameNode: SqlNode): PartitionKey[] {
  const token = nameNode.symbol ?? nameNode.children?.[0]?.symbol;
  return (token && partitions.get(token)) ?? [];
}

/**
 * `TABLE t PARTITION BY a, b ,` from `from`: the key tokens and every token to hide (PARTITION,
 * BY, the keys and the commas between them, not the comma that ends the argument).
 */
function partitionBy(visible: LexedToken[], from: number): { keys: LexedToken[]; hide: LexedToken[] } | undefined {
  const word = (i: number) => (visible[i]?.text ?? "").toUpperCase();
  if (word(from) !== "TABLE" || word(from + 2) !== "PARTITION" || word(from + 3) !== "BY") return undefined;
  const keys: LexedToken[] = [];
  for (let i = from + 4; ; i += 2) {
    if (!/^[`A-Za-z_]/.test(visible[i]?.text ?? "") || word(i + 1) !== ",") return undefined;
    keys.push(visible[i]);
    if (word(i + 2) === "DESCRIPTOR") return { keys, hide: visible.slice(from + 2, i + 1) };
  }
}

function keyOf(t: LexedToken): PartitionKey {
  const text = t.text ?? "";
  const name = /^`.*`$/s.test(text) ? text.slice(1, -1).replace(/``/g, "`") : text;
  return { name, at: { line: t.line, column: t.column + 1 } };
}
