import type { ConnectorEntry } from "../connector.js";
import { filesConfig } from "./config.js";
import { checkPartitionColumns } from "./partitions.js";
import { FilesSink } from "./sink.js";

/** The files connector: a sink writing Parquet or Arrow files to a local folder or S3. */
export const filesConnector: ConnectorEntry = {
  key: "files",
  sink: {
    check: (spec, input) => checkPartitionColumns(filesConfig(spec.files!).partitionBy, input.schema),
    create: (spec, _input, ctx) => new FilesSink(filesConfig(spec.files!), ctx),
  },
};
