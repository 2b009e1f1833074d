import type { Schema } from "apache-arrow";
import { arrivals, keyOf, type Row, type Step } from "./join-data.js";

/**
 * Row-at-a-time reference of an inner windowed equi-join, independent of the operator: each row is
 * checked against every row of the other side (nested loops). A row counts for window W only if it
 * arrived while the watermark was still before W's end; it is late if that holds for none of its
 * windows. Null keys and null times match nothing (and are not late).
 */

export type { Step };

export interface JoinCase {
  left: Schema;
  right: Schema;
  rightName: string;
  leftKey: string[];
  rightKey: string[];
  leftTime: string;
  rightTime: string;
  size: number;
  slide: number;
}

interface Arrived {
  row: Row;
  wm: number;
}

function windowsOf(t: number, size: number, slide: number): number[] {
  const out: number[] = [];
  for (let s = Math.floor(t / slide) * slide; s + size > t; s -= slide) out.push(s);
  return out;
}

/** Rows an operator fed `steps` should emit (in any order), and how many rows it should count late. */
export function referenceWindowJoin(c: JoinCase, steps: Step[]): { rows: Row[]; late: number } {
  const sides: [Arrived[], Arrived[]] = [[], []];
  let late = 0;
  for (const { input, row, wm } of arrivals(steps)) {
    const t = row[input === 0 ? c.leftTime : c.rightTime];
    if (t === null || keyOf(row, input === 0 ? c.leftKey : c.rightKey) === null) continue;
    const ws = windowsOf(t as number, c.size, c.slide);
    if (ws.length > 0 && ws.every((s) => s + c.size <= wm)) late++;
    else sides[input].push({ row, wm });
  }
  const rightNames = new Map<string, string>();
  const taken = new Set([...c.left.fields.map((f) => f.name), "window_start", "window_end"]);
  for (const f of c.right.fields) rightNames.set(f.name, taken.has(f.name) ? `${c.rightName}_${f.name}` : f.name);
  const out: Row[] = [];
  for (const l of sides[0]) {
    const lk = keyOf(l.row, c.leftKey)!;
    for (const s of windowsOf(l.row[c.leftTime] as number, c.size, c.slide)) {
      const end = s + c.size;
      if (end <= l.wm) continue;
      for (const r of sides[1]) {
        if (end <= r.wm) continue;
        const rt = r.row[c.rightTime] as number;
        if (rt < s || rt >= end) continue;
        const rk = keyOf(r.row, c.rightKey)!;
        if (!lk.every((v, i) => v === rk[i])) continue;
        const o: Row = {};
        for (const f of c.left.fields) o[f.name] = l.row[f.name] ?? null;
        for (const f of c.right.fields) o[rightNames.get(f.name)!] = r.row[f.name] ?? null;
        o.window_start = s;
        o.window_end = end;
        out.push(o);
      }
    }
  }
  return { rows: out, late };
}
