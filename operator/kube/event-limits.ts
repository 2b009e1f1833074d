/**
 * How much a burst of Events may cost the API server. The numbers follow client-go's event
 * correlator in spirit (dedup within 10 minutes, a token bucket of 25 per object), with a faster
 * refill than its one per 5 minutes, since the operator's Events are decisions, not probe noise.
 */
export interface EventLimits {
  /** An Event identical to one recorded this recently (same object, type, reason, message) bumps that one's count instead of creating another. */
  dedupWindowMs: number;
  /** Event writes (creates and count bumps) one object may make at once... */
  burst: number;
  /** ...refilled at one per this many ms: past the burst, an object's Events are dropped (and logged). */
  refillMs: number;
  /** Objects and Events remembered (least recently used go first), bounding the recorder's memory. */
  maxTracked: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = {
  dedupWindowMs: 10 * 60_000,
  burst: 25,
  refillMs: 10_000,
  maxTracked: 4096,
};

/** A map that forgets its least recently used entries beyond `max`. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Map keeps insertion order: moving the key to the end makes the first key the oldest.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/** One token bucket per object: `take` says whether one more write may go now. */
export class PerObjectBuckets {
  private readonly buckets: LruMap<string, { tokens: number; atMs: number }>;

  constructor(private readonly limits: Pick<EventLimits, "burst" | "refillMs" | "maxTracked">) {
    this.buckets = new LruMap(limits.maxTracked);
  }

  take(object: string, nowMs: number): boolean {
    const { burst, refillMs } = this.limits;
    const b = this.buckets.get(object) ?? { tokens: burst, atMs: nowMs };
    const refilled = Math.min(burst, b.tokens + Math.floor((nowMs - b.atMs) / refillMs));
    // Time is credited only in whole tokens, so a steady trickle below the rate never starves.
    const atMs = refilled === burst ? nowMs : b.atMs + Math.floor((nowMs - b.atMs) / refillMs) * refillMs;
    if (refilled < 1) {
      this.buckets.set(object, { tokens: refilled, atMs });
      return false;
    }
    this.buckets.set(object, { tokens: refilled - 1, atMs });
    return true;
  }
}
