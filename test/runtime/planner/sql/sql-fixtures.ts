import type { RecordBatch } from "apache-arrow";
import { kindGenerator } from "../../../../runtime/connectors/generator/config.js";
import { SpecError } from "../../../../runtime/contract/spec/errors.js";
import { parseManifest, type StreamJobManifest } from "../../../../runtime/contract/spec/manifest.js";
import type { GeneratorKind } from "../../../../runtime/contract/spec/schema.js";
import { planManifest } from "../../../../runtime/planner/validate.js";
import { DuckDbReference } from "../../../helpers/duckdb-reference.js";

/** A Nexmark bid table with a watermark, 20,000 seeded events. */
export const BID = `CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, \`dateTime\` TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'seed' = '7', 'count' = '20000');
`;

/** A print table named results with these columns. */
export const RESULTS = (cols: string) => `CREATE TABLE results (${cols}) WITH ('connector' = 'print');\n`;

/** The SpecIssues of planning a SQL job (empty when it plans). */
export function sqlIssues(sql: string): { path: string; message: string }[] {
  try {
    planManifest({ name: "t", spec: { sql } });
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  return [];
}

/** A StreamJob manifest whose spec.sql is this text. */
export function sqlManifest(sql: string): StreamJobManifest {
  const indented = sql.replace(/^/gm, "    ");
  return parseManifest(
    `apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: t}\nspec:\n  sql: |\n${indented}`,
  );
}

/** The YAML form over the same seeded bids as BID: these pipeline steps (indented 4), then `results`. */
export const bidYamlJob = (pipeline: string): StreamJobManifest =>
  parseManifest(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: {name: t}
spec:
  sources:
    bid:
      generator: {kind: nexmark-bid, seed: 7, count: 20000}
      eventTime: {field: dateTime, maxOutOfOrderness: 1s}
  pipeline:
${pipeline}
    - to: results
  sinks:
    results: {console: {}}
`);

/** DuckDB with BID's events (nexmark-bid, seed 7, 20,000, one split) loaded as table `bids`. */
export async function bidsReference(): Promise<DuckDbReference> {
  const duck = await DuckDbReference.open();
  await duck.load("bids", [kindGenerator("nexmark-bid", 7).generate(0, 1, 20_000)]);
  return duck;
}

/** `count` events of a seeded (seed 1) generator in batches of 8192, as one split produces them. */
export function generated(kind: GeneratorKind, count: number): RecordBatch[] {
  const gen = kindGenerator(kind, 1);
  const batches: RecordBatch[] = [];
  for (let first = 0; first < count; first += 8192) batches.push(gen.generate(first, 1, Math.min(8192, count - first)));
  return batches;
}

/** A row as a comparable string; bigints (DuckDB's BIGINT) as their digits. */
export const rowKey = (r: Record<string, unknown>) =>
  JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v));
