import { DataType, type RecordBatch } from "apache-arrow";
import { kindGenerator } from "../../../runtime/connectors/generator/config.js";
import type { GeneratorKind } from "../../../runtime/contract/spec/schema.js";
import { stringAt, toFloat64, validityBytes } from "../../../runtime/types/column.js";

/**
 * Events for the row baseline: the very same Nexmark events as Sabot's generator (same seed,
 * same values), turned into one JS object per event the way a row engine's source decodes each
 * record. Generation costs the same on both sides, so the ratio measures the engines.
 */
type Column = (i: number) => unknown;

function accessors(batch: RecordBatch): [string, Column][] {
  return batch.schema.fields.map((f, c) => {
    const col = batch.data.children[c];
    const valid = validityBytes(col);
    let get: Column;
    if (DataType.isDictionary(col.type)) {
      // Decode each dictionary entry once; rows pick from the decoded strings.
      const dict = col.dictionary!.data[0];
      const words = Array.from({ length: dict.length }, (_, k) => stringAt(dict, k));
      const keys = col.values as Int32Array;
      get = (i) => words[keys[i]];
    } else if (DataType.isUtf8(col.type)) {
      get = (i) => stringAt(col, i);
    } else {
      const nums = toFloat64(col);
      get = (i) => nums[i];
    }
    return [f.name, valid ? (i: number) => (valid[i] ? get(i) : null) : get];
  });
}

export function* events(
  kind: GeneratorKind,
  count: number,
  seed = 1,
  batchSize = 16_384,
): Generator<Record<string, unknown>> {
  const gen = kindGenerator(kind, seed);
  for (let first = 0; first < count; first += batchSize) {
    const batch = gen.generate(first, 1, Math.min(batchSize, count - first));
    const cols = accessors(batch);
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const [name, get] of cols) row[name] = get(i);
      yield row;
    }
  }
}

/** Persons and auctions merged by event time (as two sources feeding one join): [row, input]. */
export function* personsAndAuctions(persons: number, auctions: number): Generator<[Record<string, unknown>, number]> {
  const p = events("nexmark-person", persons);
  const a = events("nexmark-auction", auctions);
  let np = p.next();
  let na = a.next();
  while (!np.done || !na.done) {
    if (na.done || (!np.done && (np.value.dateTime as number) <= (na.value.dateTime as number))) {
      yield [np.value as Record<string, unknown>, 0];
      np = p.next();
    } else {
      yield [na.value as Record<string, unknown>, 1];
      na = a.next();
    }
  }
}
