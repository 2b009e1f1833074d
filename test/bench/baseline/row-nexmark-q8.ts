/**
 * Row-at-a-time q8 baseline: persons joined with the auctions they opened in the same 10 s window,
 * with one JS object per event, for the side-by-side ratio in the benchmark.
 */
interface Person {
  id: number;
  name: string;
  dateTime: number;
}
interface Auction {
  id: number;
  seller: number;
  dateTime: number;
}

export function q8(count: number): number {
  const persons = Math.floor(count / 4);
  const size = 10_000;
  const start = 1_700_000_000_000;
  const windows = new Map<number, { persons: Map<number, Person[]>; auctions: Auction[] }>();
  let out = 0;
  const fire = (wm: number) => {
    for (const [ws, w] of windows) {
      if (ws + size > wm) continue;
      for (const a of w.auctions) out += w.persons.get(a.seller)?.length ?? 0;
      windows.delete(ws);
    }
  };
  const win = (ts: number) => {
    const ws = ts - (ts % size);
    let w = windows.get(ws);
    if (!w) windows.set(ws, (w = { persons: new Map(), auctions: [] }));
    return w;
  };
  let s = 7;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    const ts = start + i * 0.1;
    if (i % 4 === 0) {
      const p: Person = { id: 1000 + i / 4, name: `p${i}`, dateTime: ts };
      const w = win(ts);
      const list = w.persons.get(p.id);
      if (list) list.push(p);
      else w.persons.set(p.id, [p]);
    } else {
      const recent = Math.max(0, Math.floor(i / 4) - ((s >>> 16) % 10));
      win(ts).auctions.push({ id: i, seller: 1000 + Math.min(recent, persons - 1), dateTime: ts });
    }
    if (i % 8192 === 0) fire(ts - 1000);
  }
  fire(Infinity);
  return out;
}
