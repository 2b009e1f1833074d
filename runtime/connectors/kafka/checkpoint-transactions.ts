/**
 * The checkpoint side of an exactly-once Kafka sink, on either client. One transaction is open at
 * a time: it holds every row since the last committed checkpoint. At a cut it is prepared
 * (flushed) and rows after the cut wait (`gate`) until it is committed — or until the checkpoint
 * fails, when the same transaction goes on and is committed with the next checkpoint. Each commit
 * carries, in the same transaction, a consumer-group offset (group `<transactionalId>-checkpoint`,
 * the topic's partition 0, offset = checkpoint id): Kafka makes it visible atomically with the
 * rows, so after a crash it says exactly which checkpoint's output is the last visible one. A
 * client supplies the commit with that marker and how the marker is read back.
 */
export abstract class CheckpointTransactions {
  /** Set while a prepared checkpoint awaits commit; writes wait on it. */
  gate: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private prepared: number | null = null;
  private failedUpTo = 0;
  committed: number | null = null;

  constructor(
    protected readonly topic: string,
    protected readonly transactionalId: string,
  ) {}

  protected get group(): string {
    return `${this.transactionalId}-checkpoint`;
  }

  /** The checkpoint id of the last committed transaction's offset marker (null: none). */
  abstract readMarker(): Promise<number | null>;
  /** Commits the open transaction with checkpoint `id`'s marker and opens the next one. */
  protected abstract commitWithMarker(id: number): Promise<void>;

  prepare(id: number): void {
    if (id <= this.failedUpTo) return; // failed before its cut came through: nothing to wait for
    this.prepared = id;
    this.gate = new Promise<void>((r) => (this.release = r));
  }

  async commit(id: number): Promise<void> {
    if (this.prepared !== id) throw new Error(`checkpoint ${id} was not prepared (prepared: ${this.prepared})`);
    try {
      await this.commitWithMarker(id);
      this.committed = id;
    } finally {
      this.unblock();
    }
  }

  failed(id: number): void {
    this.failedUpTo = Math.max(this.failedUpTo, id);
    if (this.prepared === id) this.unblock();
  }

  private unblock(): void {
    this.prepared = null;
    this.gate = null;
    this.release?.();
    this.release = null;
  }
}
