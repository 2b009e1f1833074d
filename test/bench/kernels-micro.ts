import type { Data, RecordBatch } from "apache-arrow";
import { BidGenerator } from "../../runtime/connectors/generator/nexmark-bid.js";
import { PersonGenerator } from "../../runtime/connectors/generator/nexmark-person.js";
import { gatherUtf8Into } from "../../runtime/kernels/gather-utf8.js";
import { hashRows, keyGroups } from "../../runtime/kernels/hash.js";
import type { NativeAddon } from "../../runtime/kernels/native-loader.js";
import { takeDataNative } from "../../runtime/kernels/native-take.js";
import { probeByHash } from "../../runtime/kernels/probe.js";
import { takeData } from "../../runtime/kernels/take.js";
import { columnsOf } from "../../runtime/types/column.js";

/**
 * Per-kernel throughput, TypeScript vs native, on the same Nexmark batches in one process (one
 * core): rows per CPU-second through each kernel. Inputs are built once; after a warm-up pass for the
 * JIT, each side runs about `minSeconds` in alternating rounds and reports its best round.
 */
export interface KernelFigure {
  kernel: string;
  rows: number;
  tsRowsPerSec: number;
  nativeRowsPerSec: number | null;
  /** What the engine runs for this kernel: native where it measured >= 2x, else TypeScript. */
  engine: string;
}

const BATCH = 16_384;

/**
 * Rows per CPU-second of one round: passes over all batches for at least `seconds` of this
 * process's CPU time. CPU time, not wall time: on a shared machine other processes take the core
 * away at random, which wall time would count against whichever kernel was running.
 */
function round(batches: number, rowsPerBatch: number, run: (b: number) => void, seconds: number): number {
  let rows = 0;
  const t0 = process.cpuUsage();
  let dt = 0;
  do {
    for (let b = 0; b < batches; b++) run(b);
    rows += batches * rowsPerBatch;
    const t = process.cpuUsage(t0);
    dt = (t.user + t.system) / 1e6;
  } while (dt < seconds);
  return rows / dt;
}

/**
 * Best of `rounds` rounds per implementation, TS and native rounds alternating: on a shared
 * machine other processes slow some rounds down, and alternating keeps both sides exposed alike.
 */
function compare(
  batches: number,
  rowsPerBatch: number,
  ts: (b: number) => void,
  nat: ((b: number) => void) | null,
  seconds: number,
  rounds = 5,
): [number, number | null] {
  for (let b = 0; b < batches; b++) ts(b);
  if (nat) for (let b = 0; b < batches; b++) nat(b);
  let bestTs = 0;
  let bestNat = 0;
  for (let r = 0; r < rounds; r++) {
    bestTs = Math.max(bestTs, round(batches, rowsPerBatch, ts, seconds / rounds));
    if (nat) bestNat = Math.max(bestNat, round(batches, rowsPerBatch, nat, seconds / rounds));
  }
  return [bestTs, nat ? bestNat : null];
}

interface Case {
  kernel: string;
  engine: "native" | "TS";
  run: (b: number, addon: NativeAddon | null) => void;
}

/** A probe table holding `groups` keys, as KeyTable builds it, for the probe kernel. */
function probeTable(
  keys: Uint32Array,
  groups: number,
): { slots: Int32Array; mask: number; gh: Uint32Array; count: number } {
  let cap = 64;
  while (cap < groups * 2) cap *= 2;
  const slots = new Int32Array(cap).fill(-1);
  const gh = new Uint32Array(groups);
  const seen = new Set<number>();
  let count = 0;
  for (let i = 0; i < keys.length && count < groups; i++) {
    const h = keys[i];
    if (seen.has(h)) continue;
    seen.add(h);
    gh[count] = h;
    let p = h & (cap - 1);
    while (slots[p] >= 0) p = (p + 1) & (cap - 1);
    slots[p] = count++;
  }
  return { slots, mask: cap - 1, gh, count };
}

/** The kernel cases, by index (kernels.bench.ts runs each in a fresh process: no JIT history). */
export const KERNEL_CASES = 11;

export function kernelFigure(
  index: number,
  addon: NativeAddon | null,
  batchCount: number,
  minSeconds = 1,
): KernelFigure {
  const bidGen = new BidGenerator(1);
  const personGen = new PersonGenerator(1);
  const bids: RecordBatch[] = [];
  const persons: RecordBatch[] = [];
  for (let b = 0; b < batchCount; b++) {
    bids.push(bidGen.generate(b * BATCH, 1, BATCH));
    persons.push(personGen.generate(b * BATCH, 1, BATCH));
  }
  const col = (bs: RecordBatch[], name: string) =>
    bs.map((x) => columnsOf(x)[x.schema.fields.findIndex((f) => f.name === name)]);
  const auction = col(bids, "auction");
  const channel = col(bids, "channel");
  const email = col(persons, "emailAddress");
  const personId = col(persons, "id");
  const hashes = auction.map((c) => hashRows([c], BATCH, null));
  // q7-like key table: the auctions of the first batches; later batches hit and miss.
  const table = probeTable(new Uint32Array(hashes.slice(0, 4).flatMap((h) => [...h])), 20_000);
  const probeOut = new Int32Array(BATCH);
  // A filter-like selection: every other row, and a join-like gather: random rows.
  const half = Int32Array.from({ length: BATCH / 2 }, (_, i) => i * 2);
  const scattered = Int32Array.from({ length: BATCH }, (_, i) => (Math.imul(i, 2654435761) >>> 0) % BATCH);
  // The windowed join's buffer: rows of each batch appended to a growing string store.
  const store = { offsets: new Int32Array(BATCH + 1), bytes: new Uint8Array(64 * BATCH) };
  const append = (c: Data, idx: Int32Array, addon: NativeAddon | null) =>
    gatherUtf8Into(
      c.valueOffsets as Int32Array,
      c.values as Uint8Array,
      idx,
      idx.length,
      store.offsets,
      store.bytes,
      addon,
    );
  const take = (c: Data, idx: Int32Array, addon: NativeAddon | null) =>
    addon ? takeDataNative(addon, c, idx) : takeData(c, idx, idx.length, null);
  const cases: Case[] = [
    { kernel: "hash int64 (auction)", engine: "native", run: (b, a) => hashRows([auction[b]], BATCH, a) },
    { kernel: "hash dict utf8 (channel)", engine: "native", run: (b, a) => hashRows([channel[b]], BATCH, a) },
    { kernel: "hash utf8 (email, ~20 B)", engine: "native", run: (b, a) => hashRows([email[b]], BATCH, a) },
    {
      kernel: "hash int64+utf8 (id, email)",
      engine: "native",
      run: (b, a) => hashRows([personId[b], email[b]], BATCH, a),
    },
    { kernel: "key groups (hash % 128)", engine: "TS", run: (b, a) => keyGroups(hashes[b], 128, a) },
    {
      kernel: "group probe (20K groups)",
      engine: "TS",
      run: (b, a) => probeByHash(hashes[b], table.slots, table.mask, table.gh, table.count, probeOut, BATCH, a),
    },
    { kernel: "take int64, every 2nd row", engine: "TS", run: (b, a) => take(auction[b], half, a) },
    { kernel: "take int64, scattered", engine: "TS", run: (b, a) => take(auction[b], scattered, a) },
    { kernel: "take utf8, scattered", engine: "native", run: (b, a) => take(email[b], scattered, a) },
    { kernel: "join buffer append utf8", engine: "native", run: (b, a) => append(email[b], half, a) },
    { kernel: "take dict, scattered", engine: "TS", run: (b, a) => take(channel[b], scattered, a) },
  ];
  if (cases.length !== KERNEL_CASES)
    throw new Error(`KERNEL_CASES is ${KERNEL_CASES}, there are ${cases.length} cases`);
  const c = cases[index];
  const [ts, nat] = compare(
    batchCount,
    BATCH,
    (b) => c.run(b, null),
    addon ? (b) => c.run(b, addon) : null,
    minSeconds,
  );
  return { kernel: c.kernel, rows: batchCount * BATCH, tsRowsPerSec: ts, nativeRowsPerSec: nat, engine: c.engine };
}
