import { type Data, DataType, Field, Int32, makeData, type RecordBatch, Schema } from "apache-arrow";
import { BidGenerator } from "../../runtime/connectors/generator/nexmark-bid.js";
import { columnsOf, makeBatch } from "../../runtime/types/column.js";

/**
 * The batches the exchange benchmark sends: Nexmark bids as the generator makes them (`bid`: 7
 * columns, channel and url dictionary-encoded over Nexmark's 10,004 channels), the same with the
 * two dictionary columns as their bare Int32 indices (`bid-indices`: what a frame would weigh if
 * dictionaries crossed once per channel), or q7's columns (`q7`: auction, price, dateTime), cut
 * into frames of `frameRows` as ExchangeSender cuts them.
 */
export type BatchShape = "bid" | "bid-indices" | "q7";

/** A dictionary column's indices as a plain Int32 column (same buffers, no dictionary). */
function indicesOnly(batch: RecordBatch): RecordBatch {
  const fields: Field[] = [];
  const columns: Data[] = columnsOf(batch).map((c, i) => {
    const f = batch.schema.fields[i]!;
    if (!DataType.isDictionary(c.type)) {
      fields.push(f);
      return c;
    }
    fields.push(new Field(f.name, new Int32(), f.nullable));
    return makeData({
      type: new Int32(),
      length: c.length,
      nullCount: c.nullCount,
      nullBitmap: c.nullBitmap,
      data: c.values as Int32Array,
    });
  });
  return makeBatch(new Schema(fields), columns, batch.numRows);
}

export function benchFrames(shape: BatchShape, frameRows: number, rows: number): RecordBatch[] {
  const gen = new BidGenerator(1);
  const frames: RecordBatch[] = [];
  for (let first = 0; first < rows; first += frameRows) {
    const b = gen.generate(first, 1, Math.min(frameRows, rows - first));
    frames.push(shape === "bid" ? b : shape === "q7" ? b.selectAt([0, 2, 5]) : indicesOnly(b));
  }
  return frames;
}
