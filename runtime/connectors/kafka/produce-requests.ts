/**
 * Bytes a record costs in a produce request besides its key, value and headers: Kafka's v2 record
 * framing (varint lengths, attributes, timestamp and offset deltas) stays under this.
 */
const RECORD_OVERHEAD = 64;

interface Sized {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, unknown>;
}

/** A record's size in a produce request, before compression (so an upper bound of what it sends). */
export function recordBytes(m: Sized): number {
  let n = RECORD_OVERHEAD + byteLength(m.key) + byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {}))
    n += Buffer.byteLength(k) + byteLength(v as Buffer | string | null);
  return n;
}

function byteLength(b: Buffer | string | null | undefined): number {
  if (b === null || b === undefined) return 0;
  return typeof b === "string" ? Buffer.byteLength(b) : b.length;
}

/**
 * Splits messages into consecutive produce requests of at most maxMessages records and maxBytes
 * bytes each. The broker refuses a record batch over its message.max.bytes (MESSAGE_TOO_LARGE), and
 * a request's records for one partition are one batch; a record larger than maxBytes goes alone
 * (the sink already keeps each record under maxMessageBytes).
 */
export function produceRequests<M extends Sized>(messages: M[], maxMessages: number, maxBytes: number): M[][] {
  const requests: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = recordBytes(m);
    if (current.length > 0 && (current.length >= maxMessages || bytes + size > maxBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
