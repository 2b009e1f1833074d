/**
 * A connector setting that cannot work, found before anything connects. The message names the
 * setting as written in the spec (`kafka.schema`, `generator.batchSize`) and what to change; the
 * planner prefixes the source or sink path (`spec.sources.bids`).
 */
export class ConnectorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectorConfigError";
  }
}
