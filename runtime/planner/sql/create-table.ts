import type { FieldType } from "../../contract/spec/schema.js";
import { fieldTypeOf } from "./column-types.js";
import { intervalMillis } from "./interval.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import {
  childOf,
  childrenOf,
  findRule,
  findRules,
  nameOf,
  pathOf,
  positionOf,
  ruleOf,
  type SqlNode,
  tokensOf,
} from "./tree.js";

export interface ColumnDef {
  name: string;
  type: FieldType;
  at: SqlPosition;
}

export interface TableOption {
  value: string;
  at: SqlPosition;
}

/** A CREATE TABLE statement, read: nothing is decided yet about whether it is a source or a sink. */
export interface TableDef {
  name: string;
  at: SqlPosition;
  columns: ColumnDef[];
  /** `WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`: the column and the delay. */
  watermark?: { column: string; delayMs: number; at: SqlPosition };
  primaryKey?: string[];
  /** `PARTITIONED BY (a, b)`: the columns, each where it is named. */
  partitionBy?: { columns: string[]; at: SqlPosition };
  options: Map<string, TableOption>;
}

const UNSUPPORTED_COLUMNS: Record<string, string> = {
  computedColumnDefinition: "computed columns are not supported yet; compute it in a SELECT or a VIEW",
  metadataColumnDefinition: "metadata columns are not supported yet",
};

/** Reads `CREATE TABLE` (simpleCreateTable); sink columns may be DECIMAL (kept as DOUBLE). */
export function readCreateTable(n: SqlNode, side: "source" | "sink"): TableDef {
  const create = findRule(n, "simpleCreateTable");
  if (!create)
    throw new SqlError(
      positionOf(n),
      "only CREATE TABLE name (columns) WITH (...) is supported",
      "no AS SELECT or LIKE",
    );
  const name = pathOf(childOf(create, "tablePathCreate")!).join(".");
  const columns: ColumnDef[] = [];
  for (const def of childrenOf(create, "columnOptionDefinition")) {
    const col = def.children?.[0] ?? def;
    const rule = ruleOf(col) ?? "";
    if (UNSUPPORTED_COLUMNS[rule]) throw new SqlError(positionOf(col), UNSUPPORTED_COLUMNS[rule]);
    const colName = nameOf(findRule(col, "identifier")!);
    const type = fieldTypeOf(childOf(col, "columnType")!, side);
    if (columns.some((c) => c.name === colName))
      throw new SqlError(positionOf(col), `column ${colName} is declared twice in table ${name}`);
    columns.push({ name: colName, type, at: positionOf(col) });
  }
  const table: TableDef = { name, at: positionOf(create), columns, options: readOptions(create) };
  const wm = childOf(create, "watermarkDefinition");
  if (wm) table.watermark = readWatermark(wm, table);
  const partition = childOf(create, "partitionDefinition");
  if (partition) table.partitionBy = readPartitionBy(partition, table, side);
  const pk = childOf(create, "tableConstraint");
  if (pk) table.primaryKey = findRules(pk, "columnName").map((c) => nameOf(findRule(c, "identifier")!));
  return table;
}

/** `PARTITIONED BY (a, b)` of a sink: declared columns, each named once. */
function readPartitionBy(n: SqlNode, table: TableDef, side: "source" | "sink"): TableDef["partitionBy"] {
  const at = positionOf(n);
  if (side === "source")
    throw new SqlError(at, `PARTITIONED BY: table ${table.name} is read, and only a filesystem sink writes partitions`);
  const columns = findRules(n, "columnName").map((c) => {
    const name = nameOf(findRule(c, "identifier")!);
    if (!table.columns.some((x) => x.name === name))
      throw new SqlError(positionOf(c), `PARTITIONED BY ${name}: table ${table.name} has no column ${name}`);
    return name;
  });
  if (findRules(n, "transform").length !== columns.length)
    throw new SqlError(
      at,
      "PARTITIONED BY takes column names only",
      "compute the value as a column in the INSERT's SELECT",
    );
  return { columns, at };
}

function readOptions(create: SqlNode): Map<string, TableOption> {
  const options = new Map<string, TableOption>();
  const list = findRule(childOf(create, "withOption") ?? create, "tablePropertyList");
  for (const p of list ? childrenOf(list, "tableProperty") : []) {
    const key = childOf(p, "tablePropertyKey")!;
    const value = childOf(p, "tablePropertyValue");
    options.set(nameOf(findRule(key, "identifier") ?? key).toLowerCase(), {
      value: value ? nameOf(value) : "",
      at: positionOf(value ?? key),
    });
  }
  return options;
}

/** `WATERMARK FOR ts AS ts` or `... AS ts - INTERVAL 'n' UNIT`: the only strategy Sabot has. */
function readWatermark(wm: SqlNode, table: TableDef): TableDef["watermark"] {
  const at = positionOf(wm);
  const column = nameOf(findRule(childOf(wm, "columnName")!, "identifier")!);
  const col = table.columns.find((c) => c.name === column);
  if (!col) throw new SqlError(at, `WATERMARK FOR ${column}: table ${table.name} has no column ${column}`);
  if (col.type !== "timestamp[ms]")
    throw new SqlError(at, `WATERMARK FOR ${column}: the column must be TIMESTAMP(3), not ${col.type}`);
  const expr = childOf(wm, "expression")!;
  const interval = findRule(expr, "timeIntervalExpression");
  const tokens = tokensOf(expr).map((t) => t.replace(/`/g, ""));
  const bounded = interval !== undefined && tokens[0] === column && tokens[1] === "-";
  if (!(tokens.length === 1 && tokens[0] === column) && !bounded)
    throw new SqlError(
      positionOf(expr),
      "unsupported watermark strategy",
      `write WATERMARK FOR ${column} AS ${column} - INTERVAL '5' SECOND (bounded out-of-orderness)`,
    );
  return { column, delayMs: interval ? intervalMillis(interval) : 0, at };
}
