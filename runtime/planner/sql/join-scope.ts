import type { QueryContext } from "./query-context.js";
import { quoteName, type Relation } from "./relation.js";
import { SqlError } from "./sql-error.js";
import { pathOf, positionOf, type SqlNode } from "./tree.js";

/** What one input of a join shows under its alias: column name -> column of the join's output. */
export type AliasColumns = Record<string, string>;

/**
 * A column of a join's output, by `alias.column` or by a bare name that only one input has
 * (Flink refuses an ambiguous one too). The names are the ones the join's inputs show, so a right
 * column that the engine renamed on a clash is still `A.id` in SQL.
 */
export function resolveJoinColumn(n: SqlNode, scoped: Record<string, AliasColumns>): string {
  const parts = pathOf(n);
  const name = parts[parts.length - 1];
  const aliases = Object.keys(scoped);
  if (parts.length > 2 || (parts.length === 2 && !Object.hasOwn(scoped, parts[0])))
    throw new SqlError(
      positionOf(n),
      `unknown table or alias ${parts.slice(0, -1).join(".")}`,
      `the join's inputs: ${aliases.join(", ")}`,
    );
  const inputs = parts.length === 2 ? [parts[0]] : aliases;
  const hits = new Set(inputs.flatMap((a) => (Object.hasOwn(scoped[a], name) ? [scoped[a][name]] : [])));
  if (hits.size === 0)
    throw new SqlError(
      positionOf(n),
      `unknown column ${parts.join(".")}`,
      `columns: ${inputs.flatMap((a) => Object.keys(scoped[a]).map((c) => `${a}.${c}`)).join(", ")}`,
    );
  if (hits.size > 1)
    throw new SqlError(
      positionOf(n),
      `column ${name} is ambiguous: more than one input of the join has it`,
      `qualify it: ${inputs.map((a) => `${a}.${name}`).join(" or ")}`,
    );
  return [...hits][0];
}

/**
 * The join's output as SQL sees it: one select step keeps the columns the inputs show, with the
 * left's names, and a right name that is already taken as `<alias>_<name>` (the engine's own clash
 * names use the stream name, which is an internal step name). `time` is the output's event-time
 * column, if any.
 */
export function joinRelation(
  ctx: QueryContext,
  joined: string,
  inputs: Record<string, AliasColumns>,
  label: string,
  at: { line: number; column: number },
  time?: string,
): Relation {
  const outputOf = new Map<string, string>();
  const taken = new Set<string>();
  const items: string[] = [];
  const scoped: Record<string, AliasColumns> = {};
  for (const [alias, columns] of Object.entries(inputs)) {
    scoped[alias] = {};
    for (const [name, column] of Object.entries(columns)) {
      let out = outputOf.get(column);
      if (out === undefined) {
        out = taken.has(name) ? `${alias}_${name}` : name;
        if (taken.has(out))
          throw new SqlError(at, `the join's output has column ${out} twice`, "rename one input's column with AS");
        taken.add(out);
        outputOf.set(column, out);
        items.push(`${quoteName(column)} AS ${quoteName(out)}`);
      }
      scoped[alias][name] = out;
    }
  }
  if (time !== undefined && !outputOf.has(time)) {
    // Kept for its event time only, under a name no input shows.
    let name = time;
    while (taken.has(name)) name = `$${name}`;
    outputOf.set(time, name);
    items.push(`${quoteName(time)} AS ${quoteName(name)}`);
  }
  const stream = ctx.addStep({ from: joined, select: items }, `${label}.join.select`, at);
  const columns = [...outputOf.values()];
  const timeColumn = time === undefined ? undefined : outputOf.get(time);
  const hidden = time !== undefined && !Object.values(scoped).some((c) => Object.values(c).includes(timeColumn!));
  return {
    stream,
    columns,
    qualifiers: Object.keys(inputs),
    scoped,
    timeColumn,
    hidden: hidden ? [timeColumn!] : undefined,
    // The engine's joins key their output (by the left keys, or the stream's keys): a later
    // window without GROUP BY keys must re-key it, or it would aggregate per join key.
    keyed: true,
  };
}
