/**
 * An independent, row-at-a-time model of keyed event-time windows, for checking
 * WindowAggregateOperator: plain JS Maps and arrays of row objects, aggregates computed from the
 * raw values when a window fires. Semantics it pins down:
 *  - tumbling/sliding windows [k·slide, k·slide + size); a row joins each such window containing
 *    it whose end is after the watermark; it is late when it joins none (or its time is null);
 *  - sessions [t, t + gap) merge when they intersect or touch; a row whose session ended at or
 *    before the watermark is late unless it touches an open session of its key;
 *  - a window fires at the first watermark >= its end; watermarks that do not advance are ignored.
 */

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export type RefWindow = { type: "aligned"; size: number; slide: number } | { type: "session"; gap: number };

export interface RefAggregate {
  name: string;
  fn: "count" | "sum" | "avg" | "min" | "max" | "count_distinct";
  /** Column, or null for count(*). */
  column: string | null;
}

interface Session {
  start: number;
  end: number;
  rows: Row[];
}

export class WindowReference {
  private watermark = Number.NEGATIVE_INFINITY;
  late = 0;
  private readonly aligned = new Map<string, { keyValues: Value[]; start: number; end: number; rows: Row[] }>();
  private readonly sessions = new Map<string, { keyValues: Value[]; list: Session[] }>();

  constructor(
    private readonly keys: string[],
    private readonly timeField: string,
    private readonly window: RefWindow,
    private readonly aggregates: RefAggregate[],
  ) {}

  addRows(rows: Row[]): void {
    for (const row of rows) this.addRow(row);
  }

  private addRow(row: Row): void {
    const t = row[this.timeField];
    if (t === null) {
      this.late++;
      return;
    }
    const time = t as number;
    const keyValues = this.keys.map((k) => row[k]);
    const key = JSON.stringify(keyValues);
    if (this.window.type === "aligned") {
      const { size, slide } = this.window;
      let joined = false;
      for (let start = Math.floor(time / slide) * slide; start + size > time; start -= slide) {
        if (start + size <= this.watermark) continue;
        const id = `${key}|${start}`;
        let w = this.aligned.get(id);
        if (!w) this.aligned.set(id, (w = { keyValues, start, end: start + size, rows: [] }));
        w.rows.push(row);
        joined = true;
      }
      if (!joined) this.late++;
      return;
    }
    const lo = time;
    const hi = time + this.window.gap;
    let entry = this.sessions.get(key);
    if (!entry) this.sessions.set(key, (entry = { keyValues, list: [] }));
    const touching = entry.list.filter((s) => s.start <= hi && lo <= s.end);
    if (touching.length === 0) {
      if (hi <= this.watermark) this.late++;
      else entry.list.push({ start: lo, end: hi, rows: [row] });
      return;
    }
    const merged: Session = {
      start: Math.min(lo, ...touching.map((s) => s.start)),
      end: Math.max(hi, ...touching.map((s) => s.end)),
      rows: [...touching.flatMap((s) => s.rows), row],
    };
    entry.list = [...entry.list.filter((s) => !touching.includes(s)), merged];
  }

  /** Rows of the windows the watermark closes (unordered). */
  advance(watermark: number): Row[] {
    if (!(watermark > this.watermark)) return [];
    this.watermark = watermark;
    const out: Row[] = [];
    for (const [id, w] of this.aligned) {
      if (w.end > watermark) continue;
      out.push(this.result(w.keyValues, w.start, w.end, w.rows));
      this.aligned.delete(id);
    }
    for (const entry of this.sessions.values()) {
      for (const s of entry.list)
        if (s.end <= watermark) out.push(this.result(entry.keyValues, s.start, s.end, s.rows));
      entry.list = entry.list.filter((s) => s.end > watermark);
    }
    return out;
  }

  private result(keyValues: Value[], start: number, end: number, rows: Row[]): Row {
    const out: Row = {};
    for (const [i, k] of this.keys.entries()) out[k] = keyValues[i];
    out.window_start = start;
    out.window_end = end;
    for (const a of this.aggregates) out[a.name] = aggregate(a, rows);
    return out;
  }
}

function aggregate(a: RefAggregate, rows: Row[]): Value {
  if (a.column === null) return rows.length;
  const values = rows.map((r) => r[a.column!]).filter((v): v is string | number | boolean => v !== null);
  switch (a.fn) {
    case "count":
      return values.length;
    case "count_distinct":
      return new Set(values).size;
    case "sum":
      return values.length === 0 ? null : (values as number[]).reduce((s, v) => s + v, 0);
    case "avg":
      return values.length === 0 ? null : (values as number[]).reduce((s, v) => s + v, 0) / values.length;
    case "min":
    case "max": {
      if (values.length === 0) return null;
      const sign = a.fn === "max" ? 1 : -1;
      return values.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
    }
  }
}

/** Numbers and bools by value (false < true); strings by code point, as UTF-8 bytes order. */
function compare(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === "string" && typeof b === "string") {
    const ca = [...a].map((c) => c.codePointAt(0)!);
    const cb = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
    return ca.length - cb.length;
  }
  return Number(a) - Number(b);
}
