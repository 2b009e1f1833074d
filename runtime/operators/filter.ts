import type { RecordBatch } from "apache-arrow";
import { type CompiledPredicate, compilePredicate } from "../expr/index.js";
import { takeBatch } from "../kernels/take.js";
import type { StreamInfo } from "../types/stream-info.js";
import { StatelessOperator } from "./stateless.js";

/**
 * Keeps the rows where a SQL condition is TRUE (FALSE and NULL rows are dropped). Stateless.
 * A batch where every row passes is forwarded as is (no copy); one where none does yields nothing.
 */
export class FilterOperator extends StatelessOperator {
  readonly output: StreamInfo;
  private readonly predicate: CompiledPredicate;

  constructor(
    readonly name: string,
    input: StreamInfo,
    readonly predicateSql: string,
  ) {
    super();
    this.predicate = compilePredicate(predicateSql, input);
    this.output = { ...input };
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const n = batch.numRows;
    if (n === 0) return [];
    const { indices, count } = this.predicate.selection(batch);
    if (count === n) return [batch];
    if (count === 0) return [];
    return [takeBatch(batch, indices, count)];
  }
}
