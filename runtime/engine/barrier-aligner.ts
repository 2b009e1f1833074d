import type { Barrier } from "./exchange-ports.js";

/** A channel into an operator: exchange edge and sending subtask. */
export interface Channel {
  edge: number;
  from: number;
}

/**
 * Aligns checkpoint barriers over every input channel of one chain (all channels of all exchange
 * edges into it): once barrier n has arrived on each channel that has not ended, the chain's
 * operators hold exactly the records before the barriers, so `onAligned` snapshots them, and
 * `release` unblocks every channel. Channels that ended count as aligned for every barrier.
 *
 * Only one alignment is open at a time. A barrier newer than the open one means the open
 * checkpoint was given up upstream (it can never align): it is abandoned and its channels
 * released. A barrier older than the open one (or one that was aborted) is stale and ignored.
 */
export class BarrierAligner {
  /** `since`: when its first barrier arrived (performance.now()), for the alignment time. */
  private open: { barrier: Barrier; got: Set<string>; since: number } | null = null;
  private readonly ended = new Set<string>();
  private lastDone = 0;

  constructor(
    private readonly channels: Channel[],
    /** `alignmentMs`: from the first of its barriers received to the last. */
    private readonly onAligned: (barrier: Barrier, alignmentMs: number) => void,
    private readonly release: (channel: Channel) => void,
    private readonly onAbandoned: (checkpointId: number) => void = () => {},
  ) {}

  onBarrier(edge: number, from: number, barrier: Barrier): void {
    const key = `${edge}/${from}`;
    if (barrier.checkpointId <= this.lastDone) return this.release({ edge, from });
    if (this.open && barrier.checkpointId > this.open.barrier.checkpointId)
      this.abandon(this.open.barrier.checkpointId);
    this.open ??= { barrier, got: new Set(), since: performance.now() };
    if (barrier.checkpointId < this.open.barrier.checkpointId) return this.release({ edge, from });
    this.open.got.add(key);
    this.check();
  }

  onEnded(edge: number, from: number): void {
    this.ended.add(`${edge}/${from}`);
    this.check();
  }

  /** Every channel ended: no barrier will ever arrive, the chain is aligned for any checkpoint. */
  allEnded(): boolean {
    return this.channels.every((c) => this.ended.has(`${c.edge}/${c.from}`));
  }

  /** The checkpoint was aborted by the coordinator: stop waiting for its barriers. */
  abort(checkpointId: number): void {
    if (this.open?.barrier.checkpointId === checkpointId) this.abandon(checkpointId);
    this.lastDone = Math.max(this.lastDone, checkpointId);
  }

  private abandon(checkpointId: number): void {
    this.open = null;
    this.lastDone = Math.max(this.lastDone, checkpointId);
    this.onAbandoned(checkpointId);
    this.releaseAll();
  }

  private check(): void {
    const open = this.open;
    if (!open) return;
    for (const c of this.channels) {
      const key = `${c.edge}/${c.from}`;
      if (!open.got.has(key) && !this.ended.has(key)) return;
    }
    this.open = null;
    this.lastDone = open.barrier.checkpointId;
    this.onAligned(open.barrier, performance.now() - open.since);
    this.releaseAll();
  }

  private releaseAll(): void {
    for (const c of this.channels) this.release(c);
  }
}
