import { DataType, Precision, type RecordBatch, type Schema } from "apache-arrow";
import type { Expr } from "../expr/ast.js";
import { type CompiledPredicate, compilePredicate } from "../expr/index.js";
import { parseExpression } from "../expr/parse.js";
import { bitmapIndices, type CompareOpName, type GpuKernels, processGpuKernels } from "../kernels/gpu-kernels.js";
import { takeBatch } from "../kernels/take.js";
import { columnsOf, toFloat64 } from "../types/column.js";
import type { StreamInfo } from "../types/stream-info.js";
import { StatelessOperator } from "./stateless.js";

/**
 * Keeps the rows where a SQL condition is TRUE (FALSE and NULL rows are dropped). Stateless.
 * A batch where every row passes is forwarded as is (no copy); one where none does yields nothing.
 * A condition of the shape `column <op> number` (or `number <op> column`) on an int32, int64 or
 * float64 column may run on the GPU for large batches (GpuKernels); it compares as float64, as
 * the SQL engine does, so the rows kept are the same.
 */
export class FilterOperator extends StatelessOperator {
  readonly output: StreamInfo;
  private readonly predicate: CompiledPredicate;
  private readonly numeric: NumericCompare | null;

  constructor(
    readonly name: string,
    input: StreamInfo,
    readonly predicateSql: string,
    private readonly gpu: GpuKernels = processGpuKernels(),
  ) {
    super();
    this.predicate = compilePredicate(predicateSql, input);
    this.numeric = numericCompare(parseExpression(predicateSql), input.schema);
    this.output = { ...input };
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const n = batch.numRows;
    if (n === 0) return [];
    const { indices, count } = this.gpuSelection(batch) ?? this.predicate.selection(batch);
    if (count === n) return [batch];
    if (count === 0) return [];
    return [takeBatch(batch, indices, count)];
  }

  private gpuSelection(batch: RecordBatch): { indices: Int32Array; count: number } | null {
    const c = this.numeric;
    if (c === null || !this.gpu.wants("filterCompare", batch.numRows)) return null;
    const col = columnsOf(batch)[c.column];
    const values = col.values instanceof Float64Array ? col.values.subarray(0, col.length) : toFloat64(col);
    const bits = col.nullCount > 0 && col.nullBitmap ? { bitmap: col.nullBitmap, offset: col.offset } : null;
    const r = this.gpu.filterCompare(values, bits, c.op, c.constant);
    return r && { indices: bitmapIndices(r.bitmap, col.length, r.count), count: r.count };
  }
}

interface NumericCompare {
  column: number;
  op: CompareOpName;
  constant: number;
}

const FLIP: Record<CompareOpName, CompareOpName> = { "=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** `column <op> number` with an int32/int64/float64 column, else null (the CPU predicate only). */
function numericCompare(e: Expr, schema: Schema): NumericCompare | null {
  if (e.kind !== "compare") return null;
  const number = (x: Expr): number | null =>
    x.kind === "literal" && typeof x.value === "number" ? x.value : x.kind === "neg" ? negated(number(x.arg)) : null;
  const column = (x: Expr): number => {
    if (x.kind !== "column") return -1;
    const i = schema.fields.findIndex((f) => f.name === x.name);
    const t = i < 0 ? null : schema.fields[i].type;
    const int = t !== null && DataType.isInt(t) && t.isSigned && t.bitWidth >= 32;
    return int || (t !== null && DataType.isFloat(t) && t.precision === Precision.DOUBLE) ? i : -1;
  };
  const [l, r] = [column(e.left), column(e.right)];
  const [kl, kr] = [number(e.left), number(e.right)];
  if (l >= 0 && kr !== null) return { column: l, op: e.op, constant: kr };
  if (r >= 0 && kl !== null) return { column: r, op: FLIP[e.op], constant: kl };
  return null;
}

function negated(x: number | null): number | null {
  return x === null ? null : -x;
}
