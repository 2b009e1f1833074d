/**
 * What the receiving side's checks of an exchange frame cost (issue 18): arrow-js decoding a frame
 * against the bounds pre-scan of its IPC metadata and the validation of its buffers, per frame of
 * 1024 rows of every column type. Run: `npx tsx test/bench/exchange-frame-checks.ts`. Prints the
 * median of 9 rounds of 2000 frames each, and the checks' share of decoding.
 */
import { tableFromIPC } from "apache-arrow";
import { encodeBatch } from "../../runtime/distributed/exchange/codec.js";
import { prescanIpcStream } from "../../runtime/formats/ipc-prescan.js";
import { validateData } from "../../runtime/formats/validate-data.js";
import { columnsOf } from "../../runtime/types/column.js";
import { ALL_TYPES, randomBatch, seededRng } from "../helpers/random.js";

const ROWS = 1024;
const FRAMES = 2000;
const ROUNDS = 9;

const batch = randomBatch(seededRng(1), ALL_TYPES, ROWS, { nullRate: 0.1 });
const bytes = encodeBatch(batch);
const decoded = tableFromIPC(bytes).batches[0]!;

/** Microseconds per call of `f`, over FRAMES calls. */
function perFrame(f: () => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) f();
  return ((performance.now() - t0) / FRAMES) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const decode: number[] = [];
const prescan: number[] = [];
const validate: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  decode.push(perFrame(() => tableFromIPC(bytes)));
  prescan.push(perFrame(() => prescanIpcStream(bytes)));
  validate.push(
    perFrame(() =>
      columnsOf(decoded).forEach((c, i) => {
        validateData(c, String(i));
      }),
    ),
  );
}
const [d, p, v] = [median(decode), median(prescan), median(validate)];
console.log(`frame: ${bytes.byteLength} bytes, ${ROWS} rows of ${ALL_TYPES.length} column types`);
console.log(`decode (arrow-js)  ${d.toFixed(1)} us/frame`);
console.log(`prescan            ${p.toFixed(1)} us/frame`);
console.log(`validate           ${v.toFixed(1)} us/frame`);
console.log(`checks / decode    ${((p + v) / d).toFixed(3)}`);
