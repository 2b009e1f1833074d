import type { ConnectorEntry } from "../connector.js";
import { consoleConfig } from "./config.js";
import { ConsoleSink } from "./sink.js";

/** The console connector: a sink that prints rows to the log. */
export const consoleConnector: ConnectorEntry = {
  key: "console",
  sink: {
    check: (spec) => void consoleConfig(spec.console!),
    create: (spec) => new ConsoleSink(consoleConfig(spec.console!)),
  },
};
