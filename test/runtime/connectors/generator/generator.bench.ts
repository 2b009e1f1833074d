/**
 * Generator throughput per core: events/s of each kind through GeneratorSource.next() (the batch
 * building included, nothing downstream). Run: npx tsx test/runtime/connectors/generator/generator.bench.ts
 * Env: EVENTS (default 20M for bids, a quarter for the other kinds), BATCH (default 8192).
 */
import { generatorConfig, kindGenerator } from "../../../../runtime/connectors/generator/config.js";
import { BidGenerator } from "../../../../runtime/connectors/generator/nexmark-bid.js";
import { GeneratorSource } from "../../../../runtime/connectors/generator/source.js";
import type { GeneratorKind } from "../../../../runtime/contract/spec/schema.js";

const EVENTS = Number(process.env.EVENTS ?? 20_000_000);
const BATCH = Number(process.env.BATCH ?? 8192);

async function run(kind: GeneratorKind, count: number): Promise<[number, number]> {
  const config = generatorConfig({ kind, count, batchSize: BATCH });
  const gen = kindGenerator(kind, config.seed);
  const src = new GeneratorSource(config, gen, gen.timeField, { subtask: 0, parallelism: 1 });
  await src.open();
  let rows = 0;
  // CPU seconds of this process: on a shared machine wall time mostly measures the neighbours.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let got = await src.next(); got; got = await src.next()) rows += got.batch.numRows;
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  if (rows !== count) throw new Error(`${kind}: ${rows} of ${count} events`);
  return [rows / ((c.user + c.system) / 1e6), rows / wall];
}

const kinds: [GeneratorKind, number][] = [
  ["nexmark-bid", EVENTS],
  ["nexmark-auction", EVENTS / 4],
  ["nexmark-person", EVENTS / 4],
  ["nexmark", EVENTS / 4],
  ["card-transactions", EVENTS / 4],
];
for (const [kind] of kinds) await run(kind, 200_000); // warm up the JIT
for (const [kind, count] of kinds) {
  const [cpu, wall] = await run(kind, Math.floor(count));
  console.log(
    `${kind.padEnd(18)} ${(cpu / 1e6).toFixed(1)} M events/s per core (wall ${(wall / 1e6).toFixed(1)}; batch ${BATCH})`,
  );
}

// The bid loop alone, without the source around it: the figure the generator's profile is about.
const bids = new BidGenerator(42);
const batches = Math.floor(EVENTS / BATCH);
for (let b = 0; b < 100; b++) bids.generate(b * BATCH, 1, BATCH);
const c0 = process.cpuUsage();
for (let b = 0; b < batches; b++) bids.generate(b * BATCH, 1, BATCH);
const c = process.cpuUsage(c0);
const rate = (batches * BATCH) / ((c.user + c.system) / 1e6);
console.log(`${"BidGenerator only".padEnd(18)} ${(rate / 1e6).toFixed(1)} M events/s per core (batch ${BATCH})`);
