import type { SinkSpec } from "../../contract/spec/schema.js";
import type { TableDef } from "./create-table.js";
import { SqlError } from "./sql-error.js";
import { TableOptions } from "./table-options.js";

const FORMATS = { json: "json", avro: "avro", arrow: "arrow" } as const;
const FILE_FORMATS = { parquet: "parquet", arrow: "arrow" } as const;

/** The sink a CREATE TABLE describes, for a table written by an INSERT. */
export function sinkSpecOf(table: TableDef): SinkSpec {
  const o = new TableOptions(table);
  const spec = connectorSink(o, table);
  o.done();
  if (table.partitionBy && !spec.files)
    throw new SqlError(
      table.partitionBy.at,
      `PARTITIONED BY: the '${o.connector}' connector writes no partitions`,
      "partitions are directories of a 'filesystem' table",
    );
  return spec;
}

function connectorSink(o: TableOptions, table: TableDef): SinkSpec {
  switch (o.connector) {
    case "blackhole":
      return { console: { maxRows: 0 } };
    case "print":
      return { console: { maxRows: o.integer("max-rows") } };
    case "filesystem":
      return {
        files: {
          path: o.required("path"),
          format: o.oneOf("format", FILE_FORMATS),
          rollSize: o.optional("sink.rolling-policy.file-size"),
          rollInterval: o.optional("sink.rolling-policy.rollover-interval"),
          ...(table.partitionBy ? { partitionBy: table.partitionBy.columns } : {}),
        },
      };
    case "kafka":
      return {
        kafka: {
          topic: o.required("topic"),
          bootstrapServers: o.required("properties.bootstrap.servers").split(","),
          format: o.oneOf("format", FORMATS) ?? o.oneOf("value.format", FORMATS),
          key: o.optional("key.fields")?.split(";"),
        },
      };
    default:
      throw new SqlError(
        table.options.get("connector")!.at,
        `'connector' = '${o.connector}' cannot be written as a sink`,
        "sinks: 'blackhole', 'print', 'filesystem', 'kafka'",
      );
  }
}
