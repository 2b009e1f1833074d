import type { RecordBatch } from "apache-arrow";
import { BidGenerator } from "../../runtime/connectors/generator/nexmark-bid.js";

/**
 * The batches the exchange benchmark sends: Nexmark bids as the generator makes them (`bid`: 7
 * columns, channel and url dictionary-encoded over Nexmark's 10,004 channels) or q7's projection
 * (`q7`: auction, price, dateTime), cut into frames of `frameRows` as ExchangeSender cuts them.
 */
export type BatchShape = "bid" | "q7";

export function benchFrames(shape: BatchShape, frameRows: number, rows: number): RecordBatch[] {
  const gen = new BidGenerator(1);
  const frames: RecordBatch[] = [];
  for (let first = 0; first < rows; first += frameRows) {
    const b = gen.generate(first, 1, Math.min(frameRows, rows - first));
    frames.push(shape === "bid" ? b : b.selectAt([0, 2, 5]));
  }
  return frames;
}
