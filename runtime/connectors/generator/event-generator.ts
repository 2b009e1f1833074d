import { type Data, Field, type RecordBatch, Schema } from "apache-arrow";
import type { FieldType } from "../../contract/spec/schema.js";
import { arrowType } from "../../types/arrow-types.js";
import { makeBatch } from "../../types/column.js";
import type { FixedDictionary } from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS, type KindGenerator, MAX_JITTER_MS } from "./kind.js";
import { seedKey } from "./rng.js";

/** A generator column: a spec type, or a dictionary column over a fixed set of strings. */
export type GeneratorColumn = FieldType | FixedDictionary;

/**
 * The base of the built-in generators: the seed's hash key, a schema of non-null columns declared
 * once, and event time derived from the event index. Each kind writes its columns in its own
 * loop in generate(): one monomorphic loop per kind keeps the per-event path free of calls.
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

/** When event `e` nominally happens: e / EVENTS_PER_MS after BASE_TIME_MS. */
export function nominalTimeMs(e: number): number {
  return BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS);
}

/** Event time of event `e` with event hash `h`: nominal time less a jitter below MAX_JITTER_MS. */
export function eventTimeMs(e: number, h: number): number {
  return nominalTimeMs(e) - ((h >>> 20) % MAX_JITTER_MS);
}
