import { type Data, Field, type RecordBatch, Schema } from "apache-arrow";
import type { FieldType } from "../../contract/spec/schema.js";
import { arrowType } from "../../types/arrow-types.js";
import { makeBatch } from "../../types/column.js";
import type { FixedDictionary } from "./columns.js";
import type { KindGenerator } from "./kind.js";
import { seedKey } from "./rng.js";

/** A generator column: a spec type, or a dictionary column over a fixed set of strings. */
export type GeneratorColumn = FieldType | FixedDictionary;

/**
 * The base of the built-in generators: the seed's hash key and a schema of non-null columns
 * declared once. Each kind writes its columns in its own loop in generate(), with event time
 * written out inline: a helper returning epoch milliseconds (beyond V8's small integers) that is
 * not inlined allocates a heap number per event, which halved the bid generator's rate.
 */
export abstract class EventGenerator implements KindGenerator {
  readonly schema: Schema;
  protected readonly key: number;

  protected constructor(
    seed: number,
    readonly timeField: string,
    columns: Record<string, GeneratorColumn>,
  ) {
    this.key = seedKey(seed);
    const fields = Object.entries(columns).map(
      ([name, c]) => new Field(name, typeof c === "string" ? arrowType(c) : c.type, false),
    );
    this.schema = new Schema(fields);
  }

  abstract generate(first: number, step: number, n: number): RecordBatch;

  /** The batch of `n` rows from columns in schema order. */
  protected batch(columns: Data[], n: number): RecordBatch {
    return makeBatch(this.schema, columns, n);
  }
}
