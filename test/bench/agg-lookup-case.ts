import { hashRows } from "../../runtime/kernels/hash.js";
import { kernelChoice } from "../../runtime/kernels/native.js";
import { KeyTable } from "../../runtime/state/key-table.js";
import { columnsOf } from "../../runtime/types/column.js";
import { aggBids } from "./agg-queries.js";

/**
 * The key-table lookup alone, with the kernels SABOT_NATIVE picks: `agg-lookup-case.ts <key> <events>`;
 * prints one JSON line. Inserts each batch's key column into a KeyTable that is emptied every 6
 * batches (as the window operator drops keys once their windows fired), minus the time of hashing
 * the same columns, in CPU time, best of 8 rounds.
 */
export interface LookupResult {
  key: string;
  impl: string;
  rows: number;
  lookupRowsPerCpuSec: number;
}

const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};

const [key, eventsArg] = process.argv.slice(2);
const batches = aggBids(Number(eventsArg));
const field = batches[0].schema.fields.find((f) => f.name === key);
if (!field) throw new Error(`no bid column "${key}": use auction or bidder`);
const index = batches[0].schema.fields.indexOf(field);
const cols = batches.map((b) => columnsOf(b)[index]);
const rows = cols.reduce((s, c) => s + c.length, 0);
const out = new Int32Array(16_384);
const hashes = new Uint32Array(16_384);
let best = Number.POSITIVE_INFINITY;
for (let round = 0; round < 8; round++) {
  let t = process.cpuUsage();
  for (const c of cols) hashRows([c], c.length, undefined, hashes);
  const hashMs = cpuMs(t);
  t = process.cpuUsage();
  const table = new KeyTable([field], 128);
  cols.forEach((c, i) => {
    table.insert([c], c.length, out);
    if (i % 6 === 5) table.clear();
  });
  best = Math.min(best, cpuMs(t) - hashMs);
}
const result: LookupResult = { key, impl: kernelChoice.impl, rows, lookupRowsPerCpuSec: rows / (best / 1000) };
console.log(JSON.stringify(result));
