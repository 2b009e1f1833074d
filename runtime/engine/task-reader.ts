import type { RecordBatch } from "apache-arrow";
import type { SourcePosition } from "../connectors/connector.js";
import type { Dataflow } from "./dataflow.js";
import type { OutputRoom } from "./output-room.js";
import { Signal } from "./signal.js";
import type { SourceRunner } from "./source-runner.js";
import type { TaskMeter } from "./task-meter.js";

/** What the read loops ask of the task around them. */
export interface ReaderHooks {
  /** The outputs a source's chain reaches, to wait for room before each read. */
  room(source: string): OutputRoom;
  /** A source's loop ended (stopped or end of input): its exchange edges may end. */
  ended(source: string): void;
  /**
   * Right before the read loops publish the end-of-time watermark because the task stops (or its
   * last stream ended): a checkpoint after it would hold a watermark at the end of time.
   */
  endOfTime(): void;
  /** The stream records reached `maxRecords`: the task should stop. */
  limitReached(): void;
}

const STOPPED = Symbol("stopped");

/**
 * The read loops of a task's sources: each reads a batch while its outputs have room, runs it
 * through the operator chain (synchronously, see Dataflow) and publishes the source's watermark.
 * Streams wait until this task's share of every lookup table is loaded, so early rows are not
 * joined against nothing; tables never end by themselves and are read until the streams are done.
 *
 * `positions` holds each source's position after the last batch the operators have processed:
 * the position a checkpoint's cut records and the end of the run commits (a read still pending at
 * a stop, or a batch --max-records cut short, is not part of it).
 */
export class TaskReader {
  readonly positions = new Map<string, SourcePosition>();
  private readonly stopped = new Signal();
  private readonly tablesStop = new Signal();
  private halted = false;
  private atBarrier = false;

  constructor(
    readonly runners: SourceRunner[],
    private readonly flow: Dataflow,
    private readonly meter: TaskMeter,
    private readonly hooks: ReaderHooks,
    private readonly maxRecords = Number.POSITIVE_INFINITY,
  ) {}

  get stopRequested(): boolean {
    return this.stopped.raised;
  }

  /** Opens the sources at the restored positions (their start positions where none). */
  async open(from: Record<string, SourcePosition>): Promise<void> {
    for (const r of this.runners) {
      await r.open(Date.now(), from[r.node.name]);
      this.positions.set(r.node.name, r.source.position());
    }
  }

  /** Graceful: stop reading; what was read drains. */
  stop(): void {
    this.stopped.raise();
  }

  /** Stop-with-savepoint: no end-of-time watermark follows (the job goes on from here later). */
  stopAtBarrier(): void {
    this.atBarrier = true;
    this.stop();
  }

  /** As a kill: reading stops and nothing more is published downstream. */
  halt(): void {
    this.halted = true;
    this.stop();
  }

  /** Reads every source until stopped or ended. */
  async readAll(): Promise<void> {
    const streams = this.runners.filter((r) => !r.node.isTable);
    const tables = this.runners.filter((r) => r.node.isTable);
    const streamsRead = Promise.all(streams.map((r) => this.readStream(r))).then(() => this.tablesStop.raise());
    try {
      await Promise.all([streamsRead, ...tables.map((r) => this.readLoop(r, this.tablesStop))]);
    } catch (err) {
      this.halt(); // the other loops stop too: the task has failed
      throw err;
    }
  }

  /** Publishes every source's current watermark (lets idle splits release it). */
  publishWatermarks(): void {
    for (const r of this.runners) this.flow.watermark(r.node.name, r.watermark(Date.now()));
  }

  /** The lowest source watermark (-Infinity without sources). */
  watermark(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const r of this.runners) min = Math.min(min, r.watermark(Date.now()));
    return this.runners.length ? min : Number.NEGATIVE_INFINITY;
  }

  private async readStream(r: SourceRunner): Promise<void> {
    while (!this.stopped.raised && !this.runners.every((x) => x.caughtUp()))
      await new Promise((res) => setTimeout(res, 20));
    await this.readLoop(r);
  }

  private async readLoop(r: SourceRunner, also?: Signal): Promise<void> {
    const room = this.hooks.room(r.node.name);
    while (!this.stopped.raised && !also?.raised) {
      const wait = room.wait();
      if (wait) await this.blocked(wait, also);
      if (this.stopped.raised || also?.raised) break;
      const got = await this.stopped.race(r.next(Date.now), STOPPED, also);
      if (got === STOPPED || got === null) break;
      this.process(r, got.batch);
      // A source that never waits (a generator, a full Kafka buffer) would otherwise keep the
      // event loop to itself: timers (checkpoints), network reads and /metrics scrapes wait.
      await new Promise((res) => setImmediate(res));
    }
    this.finish(r);
  }

  private async blocked(wait: Promise<void>, also?: Signal): Promise<void> {
    const t0 = performance.now();
    await this.stopped.race(wait, STOPPED, also);
    this.meter.backpressured((performance.now() - t0) / 1000);
  }

  private process(r: SourceRunner, got: RecordBatch): void {
    const batch = r.node.isTable ? got : this.limit(got);
    this.meter.read(r.node.name, batch.numRows, r.node.isTable);
    const t0 = performance.now();
    this.flow.emit(r.node.name, batch);
    this.flow.watermark(r.node.name, r.watermark(Date.now()));
    // A batch cut short leaves the source's position past what ran: neither a checkpoint nor the
    // final commit may record it (a later run re-reads that batch whole).
    if (batch === got) this.positions.set(r.node.name, r.source.position());
    this.meter.busy((performance.now() - t0) / 1000);
  }

  /** The batch within --max-records (table rows do not count); reaching it stops the task. */
  private limit(batch: RecordBatch): RecordBatch {
    const left = this.maxRecords - this.meter.streamRecordsIn;
    if (batch.numRows < left) return batch;
    this.hooks.limitReached();
    return batch.numRows === left ? batch : batch.slice(0, left);
  }

  /**
   * Stopped or ended: all of this source's event time has passed, so its watermark goes to the
   * end of time; not so when halted, or stopped at a savepoint's barrier (the job goes on from
   * there later, and its windows stay open).
   */
  private finish(r: SourceRunner): void {
    if (this.halted) return;
    if (!this.atBarrier) {
      if (!r.node.isTable && (this.stopped.raised || this.runners.every((x) => x.node.isTable || x.ended)))
        this.hooks.endOfTime();
      this.flow.watermark(r.node.name, Number.POSITIVE_INFINITY);
    }
    this.hooks.ended(r.node.name);
  }
}
