/**
 * The row-at-a-time baseline: a minimal record-at-a-time engine of the kind the columnar engine
 * replaces. One JS object per event, pushed through a chain of operators one call per record
 * (as Flink's chained operators do), with keyed state in Maps and watermarks every 8,192 records.
 * It has no metrics, no serialization and no batching, so it is the cheapest a row engine in JS
 * can be; the benchmark runs it beside the columnar engine for a side-by-side ratio.
 */

export type Row = Record<string, unknown>;
export type Emit = (row: Row) => void;

export interface RowOperator {
  /** `input` is 0, or 1 for a join's right side. */
  process(row: Row, emit: Emit, input: number): void;
  watermark(wm: number, emit: Emit): void;
}

export const mapOp = (f: (r: Row) => Row): RowOperator => ({
  process: (r, emit) => emit(f(r)),
  watermark: () => {},
});

export const filterOp = (p: (r: Row) => boolean): RowOperator => ({
  process: (r, emit) => {
    if (p(r)) emit(r);
  },
  watermark: () => {},
});

/** Tumbling window per key with an incremental aggregate. */
export function tumblingOp<A>(opts: {
  size: number;
  time: string;
  key: string;
  init: () => A;
  add: (acc: A, r: Row) => void;
  result: (key: unknown, start: number, acc: A) => Row;
}): RowOperator {
  const windows = new Map<number, Map<unknown, A>>();
  let current = Number.NEGATIVE_INFINITY;
  return {
    process(r) {
      const ts = r[opts.time] as number;
      const start = ts - (ts % opts.size);
      if (start + opts.size <= current) return; // late
      let groups = windows.get(start);
      if (!groups) windows.set(start, (groups = new Map()));
      const k = r[opts.key];
      let acc = groups.get(k);
      if (acc === undefined) groups.set(k, (acc = opts.init()));
      opts.add(acc, r);
    },
    watermark(wm, emit) {
      current = wm;
      for (const [start, groups] of windows) {
        if (start + opts.size > wm) continue;
        for (const [k, acc] of groups) emit(opts.result(k, start, acc));
        windows.delete(start);
      }
    },
  };
}

/** Inner join of two inputs on equal keys within the same tumbling window. */
export function windowJoinOp(opts: { size: number; time: [string, string]; key: [string, string] }): RowOperator {
  const windows = new Map<number, [Map<unknown, Row[]>, Map<unknown, Row[]>]>();
  return {
    process(r, _emit, input) {
      const ts = r[opts.time[input]] as number;
      const start = ts - (ts % opts.size);
      let w = windows.get(start);
      if (!w) windows.set(start, (w = [new Map(), new Map()]));
      const k = r[opts.key[input]];
      const list = w[input].get(k);
      if (list) list.push(r);
      else w[input].set(k, [r]);
    },
    watermark(wm, emit) {
      for (const [start, [left, right]] of windows) {
        if (start + opts.size > wm) continue;
        for (const [k, ls] of left) {
          const rs = right.get(k);
          if (rs) for (const l of ls) for (const rr of rs) emit({ ...l, ...rr, window_start: start });
        }
        windows.delete(start);
      }
    },
  };
}

/** Wires operators into a chain ending in a counting sink; returns the chain's two entry points. */
export function chain(ops: RowOperator[]): {
  push: (row: Row, input?: number) => void;
  watermark: (wm: number) => void;
  count: () => number;
} {
  let count = 0;
  const sink: Emit = () => void count++;
  const emits: Emit[] = new Array(ops.length + 1);
  emits[ops.length] = sink;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    const next = emits[i + 1];
    emits[i] = (r) => op.process(r, next, 0);
  }
  return {
    push: (row, input = 0) => (ops.length > 0 ? ops[0].process(row, emits[1], input) : sink(row)),
    watermark: (wm) => {
      for (let i = 0; i < ops.length; i++) ops[i].watermark(wm, emits[i + 1]);
    },
    count: () => count,
  };
}
