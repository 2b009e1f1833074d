import { describe, expect, it } from "vitest";
import type { FetchedMessage, FetchedPartition } from "../../../../runtime/connectors/kafka/client.js";
import { readableMessages } from "../../../../runtime/connectors/kafka/fetched-batch.js";

type Ctx = NonNullable<FetchedMessage["batchContext"]>;

/** A record batch of consecutive offsets from `first`; control batches carry one marker record. */
function batch(
  producerId: string,
  first: number,
  count: number,
  kind: "data" | "txn" | "abort" | "commit",
): FetchedMessage[] {
  const ctx: Ctx = {
    firstOffset: String(first),
    lastOffsetDelta: count - 1,
    producerId,
    inTransaction: kind !== "data",
    isControlBatch: kind === "abort" || kind === "commit",
  };
  return Array.from({ length: count }, (_, i) => {
    const control = ctx.isControlBatch;
    const key = control ? Buffer.from([0, 0, 0, kind === "abort" ? 0 : 1]) : null;
    return {
      offset: String(first + i),
      key,
      value: control ? null : Buffer.from(`${producerId}@${first + i}`),
      timestamp: "0",
      isControlRecord: control,
      batchContext: ctx,
    };
  });
}

function fetched(messages: FetchedMessage[], aborted: [string, number][] = []): FetchedPartition {
  return {
    partition: 0,
    errorCode: 0,
    highWatermark: "100",
    messages,
    abortedTransactions: aborted.map(([producerId, o]) => ({ producerId, firstOffset: String(o) })),
  };
}

const offsets = (r: { messages: FetchedMessage[] }) => r.messages.map((m) => Number(m.offset));

describe("readableMessages (read_committed)", () => {
  it("skips every aborted producer's records when several aborted transactions began before the fetch offset", () => {
    // A and B both opened transactions before offset 2 and aborted them; B's record comes first.
    // kafkajs activates one aborted transaction per message, so it let offset 2 through.
    const data = fetched(
      [
        ...batch("B", 2, 1, "txn"),
        ...batch("A", 3, 1, "txn"),
        ...batch("B", 4, 1, "abort"),
        ...batch("A", 5, 1, "abort"),
        ...batch("C", 6, 2, "txn"),
        ...batch("C", 8, 1, "commit"),
      ],
      [
        ["B", 1],
        ["A", 0],
      ],
    );
    const r = readableMessages("2", data);
    expect(offsets(r)).toEqual([6, 7]);
    expect(r.next).toBe("9");
  });

  it("shows a producer's committed transaction after its aborted one, and non-transactional records always", () => {
    const data = fetched(
      [
        ...batch("A", 0, 2, "txn"),
        ...batch("-1", 2, 1, "data"),
        ...batch("A", 3, 1, "abort"),
        ...batch("A", 4, 2, "txn"),
        ...batch("A", 6, 1, "commit"),
      ],
      [["A", 0]],
    );
    expect(offsets(readableMessages("0", data))).toEqual([2, 4, 5]);
  });

  it("drops records before the fetch offset and resumes after the last batch, past compacted records", () => {
    // One batch spans 10..15, of which compaction kept 10 and 12; the fetch asked for 11.
    const [a, b] = batch("-1", 10, 2, "data");
    const ctx = { ...a.batchContext!, lastOffsetDelta: 5 };
    const data = fetched([a, { ...b, offset: "12" }].map((m) => ({ ...m, batchContext: ctx })));
    const r = readableMessages("11", data);
    expect(offsets(r)).toEqual([12]);
    expect(r.next).toBe("16");
  });

  it("moves past a fetch of only aborted records and markers, and says when nothing came back", () => {
    const onlyAborted = readableMessages(
      "0",
      fetched([...batch("A", 0, 3, "txn"), ...batch("A", 3, 1, "abort")], [["A", 0]]),
    );
    expect(onlyAborted).toEqual({ messages: [], next: "4" });
    expect(readableMessages("7", fetched([]))).toEqual({ messages: [], next: null });
  });
});
