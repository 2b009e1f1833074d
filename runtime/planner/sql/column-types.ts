import type { FieldType } from "../../contract/spec/schema.js";
import { SqlError } from "./sql-error.js";
import { keywordOf, positionOf, type SqlNode } from "./tree.js";

/** SQL column types Sabot stores, by Flink SQL name. */
const TYPES: Record<string, FieldType> = {
  BIGINT: "int64",
  INT: "int32",
  INTEGER: "int32",
  SMALLINT: "int32",
  TINYINT: "int32",
  VARCHAR: "utf8",
  STRING: "utf8",
  CHAR: "utf8",
  DOUBLE: "float64",
  FLOAT: "float64",
  BOOLEAN: "bool",
  TIMESTAMP: "timestamp[ms]",
  TIMESTAMP_LTZ: "timestamp[ms]",
};

/**
 * A column type as Sabot's field type. DECIMAL has no exact Arrow column in Sabot yet: a source
 * column of that type is refused (a DOUBLE would round silently), a sink column takes a DOUBLE.
 */
export function fieldTypeOf(columnType: SqlNode, side: "source" | "sink"): FieldType {
  const name = keywordOf(columnType);
  const precision = /\((\d+)\)/.exec(columnType.getText())?.[1];
  if (name === "DECIMAL" || name === "DEC" || name === "NUMERIC") {
    if (side === "sink") return "float64";
    throw new SqlError(positionOf(columnType), `${name} columns are not supported in a source`, "declare it DOUBLE");
  }
  const type = TYPES[name];
  if (!type)
    throw new SqlError(
      positionOf(columnType),
      `column type ${name} is not supported`,
      `use one of ${Object.keys(TYPES).join(", ")}`,
    );
  if (type === "timestamp[ms]" && precision !== undefined && precision !== "3")
    throw new SqlError(positionOf(columnType), `${name}(${precision}): Sabot keeps milliseconds`, `use ${name}(3)`);
  return type;
}
