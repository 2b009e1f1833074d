import { type DataType, Type } from "apache-arrow";
import type { SpecIssue } from "../../contract/spec/errors.js";
import type { FieldType } from "../../contract/spec/schema.js";
import type { JobPlan } from "../plan.js";
import type { CompiledSql } from "./compile-sql.js";
import { sqlPath } from "./sql-error.js";

/** Arrow type ids a declared column type accepts (utf8 also as a dictionary of utf8). */
const ACCEPTS: Record<FieldType, Type[]> = {
  int32: [Type.Int],
  int64: [Type.Int],
  float64: [Type.Float],
  utf8: [Type.Utf8, Type.Dictionary],
  bool: [Type.Bool],
  "timestamp[ms]": [Type.Timestamp],
};

const CAST_NAME: Record<FieldType, string> = {
  int32: "INT",
  int64: "BIGINT",
  float64: "DOUBLE",
  utf8: "VARCHAR",
  bool: "BOOLEAN",
  "timestamp[ms]": "TIMESTAMP",
};

/**
 * What an INSERT writes must have the types its table declares: a query producing a DOUBLE into a
 * BIGINT column is refused with the CAST to write, not written as something else.
 */
export function sinkTypeIssues(plan: JobPlan, compiled: CompiledSql): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const sink of plan.sinks) {
    const declared = compiled.sinkColumns[sink.name] ?? [];
    sink.info.schema.fields.forEach((field, i) => {
      const col = declared[i];
      if (col && !fits(col.type, field.type))
        issues.push({
          path: sqlPath(col.at),
          message: `column ${col.name} of ${sink.name} is ${CAST_NAME[col.type]}, the query writes ${String(field.type)} (CAST the ${ordinal(i + 1)} select item AS ${CAST_NAME[col.type]})`,
        });
    });
  }
  return issues;
}

function fits(declared: FieldType, actual: DataType): boolean {
  if (!ACCEPTS[declared].includes(actual.typeId)) return false;
  if (actual.typeId === Type.Dictionary)
    return (actual as unknown as { dictionary: DataType }).dictionary.typeId === Type.Utf8;
  if (actual.typeId === Type.Int)
    return (actual as unknown as { bitWidth: number }).bitWidth === (declared === "int32" ? 32 : 64);
  return true;
}

function ordinal(n: number): string {
  return n === 1 ? "1st" : n === 2 ? "2nd" : n === 3 ? "3rd" : `${n}th`;
}
