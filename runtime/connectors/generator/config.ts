import type { GeneratorKind, GeneratorSourceSpec, SourceSpec } from "../../contract/spec/schema.js";
import { ConnectorConfigError } from "../errors.js";
import { CardTransactionGenerator } from "./card-transactions.js";
import type { KindGenerator } from "./kind.js";
import { AuctionGenerator } from "./nexmark-auction.js";
import { BidGenerator } from "./nexmark-bid.js";
import { NexmarkEventGenerator } from "./nexmark-events.js";
import { PersonGenerator } from "./nexmark-person.js";

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

export function kindGenerator(kind: GeneratorKind, seed: number): KindGenerator {
  switch (kind) {
    case "nexmark-person":
      return new PersonGenerator(seed);
    case "nexmark-auction":
      return new AuctionGenerator(seed);
    case "nexmark-bid":
      return new BidGenerator(seed);
    case "nexmark":
      return new NexmarkEventGenerator(seed);
    case "card-transactions":
      return new CardTransactionGenerator(seed);
  }
}

/**
 * Checks what the source spec says around a generator: generators have a built-in schema, and an
 * eventTime field (if given) must be one of its timestamp columns.
 */
export function checkGeneratorSource(spec: SourceSpec, gen: KindGenerator): string {
  if (spec.schema !== undefined)
    throw new ConnectorConfigError(
      `schema: generators have a built-in schema (${gen.schema.fields.map((f) => f.name).join(", ")}); remove \`schema\``,
    );
  const field = spec.eventTime?.field ?? gen.timeField;
  const f = gen.schema.fields.find((x) => x.name === field);
  if (!f || !String(f.type).startsWith("Timestamp"))
    throw new ConnectorConfigError(
      `eventTime.field: "${field}" is not a timestamp column of ${spec.generator!.kind} (use "${gen.timeField}")`,
    );
  return field;
}
