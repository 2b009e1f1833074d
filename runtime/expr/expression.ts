import { type Data, DataType, type RecordBatch } from "apache-arrow";
import type { FieldType } from "../contract/spec/schema.js";
import { arrowType, specType } from "../types/arrow-types.js";
import { columnsOf } from "../types/column.js";
import type { StreamInfo } from "../types/stream-info.js";
import { type ColumnInfo, Compiler } from "./compile.js";
import { ExprError } from "./errors.js";
import { selection } from "./eval-logic.js";
import type { Node, Source } from "./node.js";
import { parseExpression } from "./parse.js";
import { kindOf } from "./types.js";
import { broadcast, readColumn, toData, type Vec } from "./vec.js";

/** A compiled SQL expression: evaluates a whole batch into one Arrow column. */
export interface CompiledExpr {
  readonly type: FieldType;
  /** The result is dictionary-encoded utf8 (a dictionary column, or a function of one). */
  readonly dictionary?: boolean;
  /** The Arrow type of the columns `evaluate` returns (use it for the output schema's field). */
  readonly arrowType: DataType;
  /** Set when the expression is a bare column reference: that input column, passed through as is. */
  readonly sourceColumn?: string;
  evaluate(batch: RecordBatch): Data;
}

export interface CompiledPredicate {
  /** Indices of the rows where the predicate is TRUE (FALSE and NULL rows are dropped). */
  selection(batch: RecordBatch): { indices: Int32Array; count: number };
}

export function compileExpression(sql: string, input: StreamInfo): CompiledExpr {
  const columns = columnInfo(input);
  const tree = parseExpression(sql);
  const compiler = new Compiler(sql, columns);
  if (tree.kind === "column") {
    // A bare column passes the Arrow column through untouched.
    const index = compiler.resolve(tree.name);
    const field = input.schema.fields[index];
    return {
      type: columns[index].type,
      dictionary: columns[index].dictionary,
      arrowType: field.type,
      sourceColumn: field.name,
      evaluate: (batch) => columnsOf(checked(batch, columns))[index],
    };
  }
  const node = compiler.compile(tree);
  if (node.type === "null")
    throw new ExprError(`SQL expression \`${sql}\` is always NULL and has no type; write CAST(NULL AS <type>)`);
  const type = node.type;
  const outType = arrowType(type, node.dict);
  return {
    type,
    dictionary: node.dict,
    arrowType: outType,
    evaluate(batch: RecordBatch): Data {
      const out = node.eval(batchSource(checked(batch, columns)));
      const vec: Vec = out.kind === "scalar" ? broadcast(out, kindOf(type), batch.numRows) : out;
      return toData(vec, type, outType);
    },
  };
}

export function compilePredicate(sql: string, input: StreamInfo): CompiledPredicate {
  const columns = columnInfo(input);
  const node: Node = new Compiler(sql, columns).compile(parseExpression(sql));
  if (node.type !== "bool" && node.type !== "null") {
    throw new ExprError(`filter \`${sql}\` must be a boolean condition, but it is ${node.type}`);
  }
  return {
    selection(batch: RecordBatch) {
      const n = batch.numRows;
      const out = node.eval(batchSource(checked(batch, columns)));
      if (out.kind === "scalar") {
        const indices = new Int32Array(n);
        if (out.value !== true) return { indices, count: 0 };
        for (let i = 0; i < n; i++) indices[i] = i;
        return { indices, count: n };
      }
      if (out.kind !== "bool") throw new Error(`internal: predicate produced ${out.kind}`);
      return selection(out);
    },
  };
}

function columnInfo(input: StreamInfo): ColumnInfo[] {
  return input.schema.fields.map((f) => ({
    name: f.name,
    type: specType(f.type),
    dictionary: DataType.isDictionary(f.type),
  }));
}

function checked(batch: RecordBatch, columns: ColumnInfo[]): RecordBatch {
  if (batch.numCols !== columns.length) {
    throw new Error(
      `batch has ${batch.numCols} columns, the expression was compiled for ${columns.length} (${columns.map((c) => c.name).join(", ")})`,
    );
  }
  return batch;
}

function batchSource(batch: RecordBatch): Source {
  const cols = columnsOf(batch);
  const cache: (Vec | undefined)[] = new Array(cols.length);
  return {
    length: batch.numRows,
    column(i: number): Vec {
      return (cache[i] ??= readColumn(cols[i]));
    },
  };
}
