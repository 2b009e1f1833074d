import { sourceStreamInfo } from "../../connectors/registry.js";
import type { GeneratorKind, SourceSpec } from "../../contract/spec/schema.js";
import type { TableDef } from "./create-table.js";
import { durationText } from "./interval.js";
import { SqlError } from "./sql-error.js";
import { TableOptions } from "./table-options.js";

const NEXMARK_KINDS: Record<string, GeneratorKind> = {
  bid: "nexmark-bid",
  auction: "nexmark-auction",
  person: "nexmark-person",
};
const FORMATS = { json: "json", avro: "avro", arrow: "arrow" } as const;
const STARTUP = { "earliest-offset": "earliest", "latest-offset": "latest", "group-offsets": "committed" } as const;

/** The source a CREATE TABLE describes, for a table read by a query. */
export function sourceSpecOf(table: TableDef): SourceSpec {
  const o = new TableOptions(table);
  const spec = connectorSource(o, table);
  o.done();
  if (table.watermark)
    spec.eventTime = { field: table.watermark.column, maxOutOfOrderness: durationText(table.watermark.delayMs) };
  if (spec.generator) checkGeneratorColumns(table, spec);
  return spec;
}

function connectorSource(o: TableOptions, table: TableDef): SourceSpec {
  switch (o.connector) {
    case "datagen-nexmark":
      return {
        generator: {
          kind: o.oneOf("kind", NEXMARK_KINDS) ?? missing(o, "kind", "'bid', 'auction' or 'person'"),
          seed: o.integer("seed"),
          count: o.integer("count"),
          ratePerSecond: o.integer("rows-per-second"),
          batchSize: o.integer("batch-size"),
          partitions: o.integer("partitions"),
        },
      };
    case "kafka":
    case "upsert-kafka": {
      const upsert = o.connector === "upsert-kafka";
      if (upsert && !table.primaryKey)
        throw new SqlError(table.at, "an upsert-kafka table needs PRIMARY KEY (...) NOT ENFORCED");
      return {
        kafka: {
          topic: o.required("topic"),
          bootstrapServers: o.required("properties.bootstrap.servers").split(","),
          groupId: o.optional("properties.group.id"),
          startingOffsets: o.oneOf("scan.startup.mode", STARTUP),
          format: o.oneOf("format", FORMATS) ?? o.oneOf("value.format", FORMATS),
          table: upsert ? { key: table.primaryKey! } : undefined,
        },
        schema: table.columns.map((c) => ({ name: c.name, type: c.type })),
      };
    }
    case "filesystem":
      throw new SqlError(
        table.options.get("connector")!.at,
        "'connector' = 'filesystem' is written as a sink only: Sabot has no filesystem source yet (a bounded side table for a lookup join, Nexmark q13, needs one)",
        "a lookup join reads an 'upsert-kafka' table: load the side table into a compacted topic",
      );
    default:
      throw new SqlError(
        table.options.get("connector")!.at,
        `'connector' = '${o.connector}' cannot be read as a source`,
        "sources: 'datagen-nexmark', 'kafka', 'upsert-kafka'",
      );
  }
}

function missing(o: TableOptions, key: string, what: string): never {
  throw new SqlError(o.table.at, `table ${o.table.name} needs '${key}' (${what})`);
}

/** A generator's columns are built in: each declared column must be one of them, of its type. */
function checkGeneratorColumns(table: TableDef, spec: SourceSpec): void {
  const fields = sourceStreamInfo(table.name, spec).schema.fields;
  for (const c of table.columns) {
    const f = fields.find((x) => x.name === c.name);
    if (!f)
      throw new SqlError(
        c.at,
        `the ${spec.generator!.kind} generator has no column ${c.name}`,
        `its columns: ${fields.map((x) => x.name).join(", ")}`,
      );
    const kind = String(f.type).toLowerCase();
    const ok =
      c.type === "utf8" ? /utf8/.test(kind) : c.type === "timestamp[ms]" ? /timestamp/.test(kind) : /int64/.test(kind);
    if (!ok)
      throw new SqlError(c.at, `column ${c.name} of the ${spec.generator!.kind} generator is ${f.type}, not ${c.type}`);
  }
}
