import type { Counters, JobView } from "./job-view.js";
import type { Sample } from "./schemas.js";

const INTERVAL_MS = 1000;
/** Five minutes of plots. */
const KEEP = 300;
/** Rates in the graph are averaged over this many intervals, so one slow tick does not read as zero. */
const RATE_SPAN = 5;

interface Point {
  t: number;
  c: Counters;
}

/** Samples a job's counters once a second: the last minutes of rates for the plots and the graph. */
export class Sampler {
  private readonly points: Point[] = [];
  private readonly samples: Sample[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly view: JobView) {
    this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
    this.timer.unref();
    void this.tick();
  }

  readonly intervalMs = INTERVAL_MS;

  close(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    const p = { t: Date.now(), c: await this.view.counters() };
    const prev = this.points.at(-1);
    this.points.push(p);
    if (this.points.length > RATE_SPAN + 1) this.points.shift();
    if (prev) this.samples.push(sample(prev, p));
    if (this.samples.length > KEEP) this.samples.shift();
  }

  history(): Sample[] {
    return this.samples.slice();
  }

  /** Records in/out per second of each node, and the busy/backpressured shares, over the last few seconds. */
  rates(): {
    in: Record<string, number>;
    out: Record<string, number>;
    busy: number | null;
    backpressured: number | null;
  } {
    const a = this.points[0];
    const b = this.points.at(-1);
    if (!a || !b || a === b) return { in: {}, out: {}, busy: null, backpressured: null };
    const s = (b.t - a.t) / 1000;
    const per = (x: Record<string, number>, y: Record<string, number>) =>
      Object.fromEntries(Object.keys(y).map((k) => [k, Math.max(0, (y[k] - (x[k] ?? 0)) / s)]));
    return {
      in: per(a.c.nodeIn, b.c.nodeIn),
      out: per(a.c.nodeOut, b.c.nodeOut),
      busy: share(a.c.busySeconds, b.c.busySeconds, s, b.c.subtasks),
      backpressured: share(a.c.backpressuredSeconds, b.c.backpressuredSeconds, s, b.c.subtasks),
    };
  }
}

function share(x: number, y: number, seconds: number, subtasks: number): number {
  return Math.max(0, (y - x) / seconds / subtasks);
}

function sample(a: Point, b: Point): Sample {
  const s = (b.t - a.t) / 1000;
  return {
    t: b.t,
    recordsInPerSecond: Math.max(0, (b.c.recordsIn - a.c.recordsIn) / s),
    recordsOutPerSecond: Math.max(0, (b.c.recordsOut - a.c.recordsOut) / s),
    busy: share(a.c.busySeconds, b.c.busySeconds, s, b.c.subtasks),
    backpressured: share(a.c.backpressuredSeconds, b.c.backpressuredSeconds, s, b.c.subtasks),
    watermarkLagSeconds: b.c.watermarkLagSeconds,
    kafkaLag: b.c.kafkaLag,
  };
}
