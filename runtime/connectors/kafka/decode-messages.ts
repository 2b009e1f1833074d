import type { RecordBatch } from "apache-arrow";
import type { BadMessage, Decoder } from "../../formats/format.js";
import type { FetchedMessage } from "./client.js";
import type { TombstoneDecoder } from "./tombstones.js";

/** One partition's decoded messages, each batch with the position after it. */
export interface DecodedRun {
  split: number;
  batches: { batch: RecordBatch; next: string }[];
  /** Position once all of it is consumed (past trailing bad or filtered messages too). */
  next: string;
}

export type BadItem = { message: FetchedMessage; bad: BadMessage };

/**
 * Decodes one partition's messages in offset order. A table's values and tombstones are decoded
 * in runs, so a key's delete lands between the rows before and after it; arrow messages are
 * decoded one by one, since one message may hold several batches and a batch's position must not
 * pass a message whose rows come in a later batch (a checkpoint between them would skip them).
 */
export function decodeMessages(
  decoder: Decoder,
  tombstones: TombstoneDecoder | null,
  run: DecodedRun,
  messages: FetchedMessage[],
  bad: BadItem[],
): void {
  const check = decoder.checkHeaders?.bind(decoder);
  const used = check
    ? messages.filter((m, index) => {
        const problem = m.value === null && tombstones ? null : check(m.headers);
        if (problem) bad.push({ message: m, bad: { index, ...problem } });
        return !problem;
      })
    : messages;
  let start = 0;
  while (start < used.length) {
    let end = start + 1;
    const isTombstone = tombstones !== null && used[start].value === null;
    if (tombstones) while (end < used.length && (used[end].value === null) === isTombstone) end++;
    else end = used.length;
    const part = used.slice(start, end);
    const after = end < used.length ? used[end].offset : run.next;
    const decode = (ms: FetchedMessage[]) =>
      isTombstone ? tombstones!.decode(ms.map((m) => m.key)) : decoder.decode(ms.map((m) => m.value));
    if (decoder.format === "arrow") for (const m of part) pushArrow(run, decode([m]), m, bad);
    else pushResult(run, decode(part), part, after, bad);
    start = end;
  }
}

function pushResult(
  run: DecodedRun,
  res: { batches: RecordBatch[]; bad: BadMessage[] },
  part: FetchedMessage[],
  after: string,
  bad: BadItem[],
): void {
  for (const b of res.batches) run.batches.push({ batch: b, next: after });
  for (const b of res.bad) bad.push({ message: part[b.index], bad: b });
}

function pushArrow(
  run: DecodedRun,
  res: { batches: RecordBatch[]; bad: BadMessage[] },
  m: FetchedMessage,
  bad: BadItem[],
): void {
  const after = (BigInt(m.offset) + 1n).toString();
  res.batches.forEach((b, i) => {
    run.batches.push({ batch: b, next: i === res.batches.length - 1 ? after : m.offset });
  });
  for (const b of res.bad) bad.push({ message: m, bad: b });
}
