import type { FetchedMessage, FetchedPartition } from "./client.js";

/**
 * What one fetch of one partition gives a read_committed reader: the messages it may see, and
 * where the next fetch starts. Follows Kafka's Java consumer (CompletedFetch): the aborted
 * transactions the broker lists are taken in offset order; before each record batch, every one
 * starting at or before the batch's last offset marks its producer as aborted; transactional
 * batches of an aborted producer are skipped; the producer's ABORT marker (a control batch) ends
 * it. kafkajs's own filter activates at most one aborted transaction per message, so when several
 * producers' aborted transactions come back in one fetch it lets some of their records through.
 */
export interface ReadableFetch {
  /** Messages at or after the fetch offset, outside aborted transactions, without control records. */
  messages: FetchedMessage[];
  /** Offset after the last record batch that came back; null when nothing came back. */
  next: string | null;
}

export function readableMessages(fetchedOffset: string, data: FetchedPartition): ReadableFetch {
  const raw = data.messages;
  if (raw.length === 0) return { messages: [], next: null };
  const from = BigInt(fetchedOffset);
  const pending = [...(data.abortedTransactions ?? [])]
    .map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborted = new Set<string>();
  let nextAborted = 0;
  let end = from;
  let context: FetchedMessage["batchContext"] | null = null;
  // Whether the current batch may hold records before the fetch offset (only the first can).
  let startsBefore = true;
  const messages: FetchedMessage[] = [];
  for (const m of raw) {
    const ctx = m.batchContext;
    // Records of one batch share their context object: the batch's bookkeeping runs once, and
    // per-record offset arithmetic only where a batch starts before the fetch offset.
    if (ctx && ctx !== context) {
      context = ctx;
      const first = BigInt(ctx.firstOffset);
      const last = first + BigInt(ctx.lastOffsetDelta);
      startsBefore = first < from;
      if (last + 1n > end) end = last + 1n;
      while (nextAborted < pending.length && pending[nextAborted].firstOffset <= last)
        aborted.add(pending[nextAborted++].producerId);
    }
    if (!ctx) {
      // A pre-0.11 message set: no batch bookkeeping, one offset per message.
      const offset = BigInt(m.offset);
      if (offset + 1n > end) end = offset + 1n;
      startsBefore = offset < from;
    }
    if (ctx?.isControlBatch || m.isControlRecord) {
      // A control record's key is (version int16, type int16); type 0 is ABORT, 1 is COMMIT.
      if (ctx && m.key && m.key.length >= 4 && m.key.readInt16BE(2) === 0) aborted.delete(ctx.producerId);
      continue;
    }
    if (startsBefore && BigInt(m.offset) < from) continue;
    if (ctx?.inTransaction && aborted.has(ctx.producerId)) continue;
    messages.push(m);
  }
  return { messages, next: end.toString() };
}
