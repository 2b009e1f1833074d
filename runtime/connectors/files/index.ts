import type { ConnectorEntry } from "../connector.js";
import { filesConfig } from "./config.js";
import { FilesSink } from "./sink.js";

/** The files connector: a sink writing Parquet or Arrow files to a local folder or S3. */
export const filesConnector: ConnectorEntry = {
  key: "files",
  sink: {
    check: (spec) => void filesConfig(spec.files!),
    create: (spec, _input, ctx) => new FilesSink(filesConfig(spec.files!), ctx),
  },
};
