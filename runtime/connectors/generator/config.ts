import type { GeneratorKind, GeneratorSourceSpec, SourceSpec } from "../../contract/spec/schema.js";
import { ConnectorConfigError } from "../errors.js";
import { CardTransactionGenerator } from "./card-transactions.js";
import type { KindGenerator } from "./kind.js";
import { AuctionGenerator } from "./nexmark-auction.js";
import { BidGenerator } from "./nexmark-bid.js";
import { NexmarkEventGenerator } from "./nexmark-events.js";
import { PersonGenerator } from "./nexmark-person.js";
import { ProjectedGenerator } from "./projected.js";

/** A generator spec with every default filled in. */
export interface GeneratorConfig {
  kind: GeneratorKind;
  seed: number;
  /** Total events over all splits; null = unbounded. */
  count: number | null;
  /** Events per second over all splits; null = as fast as possible. */
  ratePerSecond: number | null;
  batchSize: number;
  partitions: number;
  /** Columns to generate; null: all. */
  columns: string[] | null;
}

export const GENERATOR_DEFAULTS = { seed: 42, batchSize: 8192, partitions: 1 } as const;

export function generatorConfig(spec: GeneratorSourceSpec): GeneratorConfig {
  const c: GeneratorConfig = {
    kind: spec.kind,
    seed: spec.seed ?? GENERATOR_DEFAULTS.seed,
    count: spec.count ?? null,
    ratePerSecond: spec.ratePerSecond ?? null,
    batchSize: spec.batchSize ?? GENERATOR_DEFAULTS.batchSize,
    partitions: spec.partitions ?? GENERATOR_DEFAULTS.partitions,
    columns: spec.columns ?? null,
  };
  if (!Number.isSafeInteger(c.seed)) throw new ConnectorConfigError(`generator.seed must be an integer, got ${c.seed}`);
  if (c.count !== null && (!Number.isSafeInteger(c.count) || c.count < 0))
    throw new ConnectorConfigError(`generator.count must be a whole number ≥ 0, got ${c.count}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1 || c.batchSize > 1_048_576)
    throw new ConnectorConfigError(`generator.batchSize must be between 1 and 1048576, got ${c.batchSize}`);
  if (!Number.isInteger(c.partitions) || c.partitions < 1)
    throw new ConnectorConfigError(`generator.partitions must be a whole number ≥ 1, got ${c.partitions}`);
  if (c.ratePerSecond !== null && !(c.ratePerSecond >= 1))
    throw new ConnectorConfigError(`generator.ratePerSecond must be ≥ 1, got ${c.ratePerSecond}`);
  return c;
}

/**
 * The generator of a kind, making only `columns` (checked by checkGeneratorSource). Bids skip the
 * work of the columns left out; the other kinds make every column and drop the rest.
 */
export function kindGenerator(
  kind: GeneratorKind,
  seed: number,
  columns: readonly string[] | null = null,
): KindGenerator {
  switch (kind) {
    case "nexmark-person":
      return projected(new PersonGenerator(seed), columns);
    case "nexmark-auction":
      return projected(new AuctionGenerator(seed), columns);
    case "nexmark-bid":
      return columns ? new BidGenerator(seed, columns) : new BidGenerator(seed);
    case "nexmark":
      return projected(new NexmarkEventGenerator(seed), columns);
    case "card-transactions":
      return projected(new CardTransactionGenerator(seed), columns);
  }
}

function projected(gen: KindGenerator, columns: readonly string[] | null): KindGenerator {
  return columns ? new ProjectedGenerator(gen, columns) : gen;
}

/**
 * Checks what the source spec says around a generator: generators have a built-in schema, and an
 * eventTime field (if given) must be one of its timestamp columns.
 */
export function checkGeneratorSource(spec: SourceSpec, gen: KindGenerator): string {
  const names = gen.schema.fields.map((f) => f.name);
  if (spec.schema !== undefined)
    throw new ConnectorConfigError(
      `schema: generators have a built-in schema (${names.join(", ")}); remove \`schema\` (\`generator.columns\` picks columns)`,
    );
  const field = spec.eventTime?.field ?? gen.timeField;
  const f = gen.schema.fields.find((x) => x.name === field);
  if (!f || !String(f.type).startsWith("Timestamp"))
    throw new ConnectorConfigError(
      `eventTime.field: "${field}" is not a timestamp column of ${spec.generator!.kind} (use "${gen.timeField}")`,
    );
  const columns = spec.generator!.columns;
  if (columns) {
    const unknown = columns.filter((c) => !names.includes(c));
    if (unknown.length > 0)
      throw new ConnectorConfigError(
        `generator.columns: ${unknown.join(", ")} ${unknown.length > 1 ? "are not columns" : "is not a column"} of ${spec.generator!.kind} (columns: ${names.join(", ")})`,
      );
    const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
    if (repeated !== undefined) throw new ConnectorConfigError(`generator.columns: "${repeated}" is listed twice`);
    if (spec.eventTime && !columns.includes(field))
      throw new ConnectorConfigError(`generator.columns: add the event time column "${field}"`);
  }
  return field;
}
