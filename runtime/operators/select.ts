import { Field, type RecordBatch, Schema } from "apache-arrow";
import { type CompiledExpr, compileExpression, ExprError, parseSelectItem } from "../expr/index.js";
import { makeBatch } from "../types/column.js";
import type { StreamInfo } from "../types/stream-info.js";
import { StatelessOperator } from "./stateless.js";

/**
 * Projects each batch onto a list of SQL select items (`price * 0.908 AS price_eur`, `channel`).
 * A bare column passes its Arrow column through without copying. The event-time column and the
 * key columns stay what they are as long as they are selected as bare columns (renamed or not);
 * otherwise the output has no time field or is no longer keyed. Stateless.
 */
export class SelectOperator extends StatelessOperator {
  readonly output: StreamInfo;
  private readonly exprs: CompiledExpr[];

  constructor(
    readonly name: string,
    input: StreamInfo,
    readonly items: string[],
  ) {
    super();
    if (items.length === 0) throw new ExprError(`${name}: select needs at least one column`);
    const parsed = items.map((item) => parseSelectItem(item));
    const seen = new Set<string>();
    for (const { alias } of parsed) {
      if (seen.has(alias))
        throw new ExprError(
          `${name}: select produces column \`${alias}\` twice; give each item a distinct name with AS`,
        );
      seen.add(alias);
    }
    this.exprs = parsed.map((p) => compileExpression(p.expr, input));
    const fields = parsed.map(({ alias }, i) => {
      const e = this.exprs[i];
      const source =
        e.sourceColumn === undefined ? undefined : input.schema.fields.find((f) => f.name === e.sourceColumn);
      return new Field(alias, e.arrowType, source ? source.nullable : true, source?.metadata);
    });
    const renamed = (column: string | undefined) => parsed.find((_, i) => this.exprs[i].sourceColumn === column)?.alias;
    const timeField = input.timeField === undefined ? undefined : renamed(input.timeField);
    const keys = input.keys?.map(renamed);
    this.output = {
      schema: new Schema(fields),
      timeField,
      keys: keys?.every((k) => k !== undefined) ? (keys as string[]) : undefined,
    };
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const columns = this.exprs.map((e) => e.evaluate(batch));
    return [makeBatch(this.output.schema, columns, batch.numRows)];
  }
}
