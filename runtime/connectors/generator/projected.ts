import { type RecordBatch, Schema } from "apache-arrow";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { KindGenerator } from "./kind.js";

/** A generator's stream with only some of its columns (in the generator's order): the rest are dropped. */
export class ProjectedGenerator implements KindGenerator {
  readonly schema: Schema;
  readonly timeField: string;
  private readonly kept: number[];

  constructor(
    private readonly gen: KindGenerator,
    columns: readonly string[],
  ) {
    const fields = gen.schema.fields;
    this.kept = fields.flatMap((f, i) => (columns.includes(f.name) ? [i] : []));
    this.schema = new Schema(this.kept.map((i) => fields[i]!));
    this.timeField = gen.timeField;
  }

  generate(first: number, step: number, n: number): RecordBatch {
    const cols = columnsOf(this.gen.generate(first, step, n));
    return makeBatch(
      this.schema,
      this.kept.map((i) => cols[i]!),
      n,
    );
  }
}
