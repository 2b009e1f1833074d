import { type LexedToken, tokenTypeOf } from "./flink-grammar.js";

/** Where the grammar puts whitespace and comments: tokens the parser does not read. */
const HIDDEN_CHANNEL = 1;
const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);

/**
 * `agg(x) FILTER (WHERE cond)` is valid Flink SQL that dt-sql-parser 4.5.1's grammar lacks. It
 * means the aggregate of the rows where cond holds, which is exactly `agg(CASE WHEN cond THEN x
 * END)` (aggregates skip nulls; `COUNT(*)` counts `CASE WHEN cond THEN 1 END`, and
 * `COUNT(DISTINCT x)` becomes `COUNT(DISTINCT CASE WHEN cond THEN x END)`). Rewritten so on the
 * lexed tokens before the parser reads them: cond's and x's tokens keep their text, line and
 * column; the added CASE, WHEN, THEN, 1 and END take the FILTER keyword's position, so an error
 * in the clause points at it or into cond. Text that does not match is left to the grammar's error.
 */
export function rewriteAggregateFilters(tokens: LexedToken[]): void {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].channel === HIDDEN_CHANNEL || upper(tokens[i]) !== "FILTER") continue;
    const call = aggregateBefore(tokens, i);
    const clause = filterClause(tokens, i);
    if (!call || !clause) continue;
    const filter = tokens[i];
    const make = (text: string) => synthetic(filter, text);
    const args = tokens.slice(call.open + 1, call.close);
    const distinct = args.findIndex((t) => t.channel !== HIDDEN_CHANNEL);
    const isDistinct = distinct >= 0 && upper(args[distinct]) === "DISTINCT";
    const star =
      args
        .filter((t) => t.channel !== HIDDEN_CHANNEL)
        .map(upper)
        .join(" ") === "*";
    const value = star ? [make("1")] : isDistinct ? args.slice(distinct + 1) : args;
    const replaced = [
      ...(isDistinct ? args.slice(0, distinct + 1) : []),
      make("CASE"),
      make("WHEN"),
      ...tokens.slice(clause.where + 1, clause.close),
      make("THEN"),
      ...value,
      make("END"),
      tokens[call.close],
    ];
    tokens.splice(call.open + 1, clause.close - call.open, ...replaced);
    i = call.open + replaced.length;
  }
  tokens.forEach((t, index) => {
    t.tokenIndex = index;
  });
}

function upper(t: LexedToken): string {
  return (t.text ?? "").toUpperCase();
}

/** The aggregate call `NAME ( ... )` whose `)` is the visible token before index `at`. */
function aggregateBefore(tokens: LexedToken[], at: number): { open: number; close: number } | undefined {
  let close = at - 1;
  while (close >= 0 && tokens[close].channel === HIDDEN_CHANNEL) close--;
  if (close < 0 || upper(tokens[close]) !== ")") return undefined;
  let depth = 0;
  for (let open = close; open >= 0; open--) {
    if (tokens[open].channel === HIDDEN_CHANNEL) continue;
    const w = upper(tokens[open]);
    if (w === ")") depth++;
    else if (w === "(" && --depth === 0) {
      let name = open - 1;
      while (name >= 0 && tokens[name].channel === HIDDEN_CHANNEL) name--;
      return name >= 0 && AGGREGATES.has(upper(tokens[name])) ? { open, close } : undefined;
    }
  }
  return undefined;
}

/** `FILTER ( WHERE ... )` from index `at`: the WHERE token's index and the closing `)`'s. */
function filterClause(tokens: LexedToken[], at: number): { where: number; close: number } | undefined {
  const visible: number[] = [];
  for (let i = at + 1; i < tokens.length && visible.length < 2; i++)
    if (tokens[i].channel !== HIDDEN_CHANNEL) visible.push(i);
  if (visible.length < 2 || upper(tokens[visible[0]]) !== "(" || upper(tokens[visible[1]]) !== "WHERE")
    return undefined;
  let depth = 1;
  for (let i = visible[1] + 1; i < tokens.length; i++) {
    if (tokens[i].channel === HIDDEN_CHANNEL) continue;
    const w = upper(tokens[i]);
    if (w === "(") depth++;
    else if (w === ")" && --depth === 0) return { where: visible[1], close: i };
  }
  return undefined;
}

/** A token the source does not have, of this keyword's or literal's type, at `at`'s position. */
function synthetic(at: LexedToken, text: string): LexedToken {
  // The lexer's token class (its text is a private field, so a copy must come from its constructor).
  const own = at as LexedToken & { source: unknown; start: number; stop: number; line: number; column: number };
  const Token = at.constructor as new (
    source: unknown,
    type: number,
    channel: number,
    start: number,
    stop: number,
  ) => typeof own;
  const t = new Token(own.source, tokenTypeOf(text), 0, own.start, own.stop);
  t.line = own.line;
  t.column = own.column;
  t.text = text;
  return t;
}
