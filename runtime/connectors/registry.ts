import type { SinkSpec, SourceSpec } from "../contract/spec/schema.js";
import type { StreamInfo } from "../types/stream-info.js";
import type { ConnectorContext, ConnectorEntry, Sink, SinkFactory, Source, SourceFactory } from "./connector.js";
import { consoleConnector } from "./console/index.js";
import { ConnectorConfigError } from "./errors.js";
import { filesConnector } from "./files/index.js";
import { generatorConnector } from "./generator/index.js";
import { kafkaConnector } from "./kafka/index.js";

/**
 * The table of connectors: a new connector is a folder (config.ts, source.ts and/or sink.ts,
 * index.ts exporting its entry) plus one line here. Errors are ConnectorConfigErrors naming the
 * setting (`kafka.schema`); the planner prefixes the source's path.
 */
const CONNECTORS: readonly ConnectorEntry[] = [kafkaConnector, generatorConnector, filesConnector, consoleConnector];

function pick<F>(spec: SourceSpec | SinkSpec, side: (c: ConnectorEntry) => F | undefined, what: string): F {
  const offered = CONNECTORS.filter((c) => side(c) !== undefined);
  const set = offered.filter((c) => (spec as Record<string, unknown>)[c.key] !== undefined);
  if (set.length !== 1) {
    const keys = offered.map((c) => c.key).join(", ");
    throw new ConnectorConfigError(
      `a ${what} needs exactly one of ${keys}${set.length ? ` (got ${set.map((c) => c.key).join(", ")})` : ""}`,
    );
  }
  return side(set[0])!;
}

const sourceOf = (spec: SourceSpec, name: string): SourceFactory => pick(spec, (c) => c.source, `source ("${name}")`);
const sinkOf = (spec: SinkSpec, what: string): SinkFactory => pick(spec, (c) => c.sink, what);

/** Columns and event-time field of a source, for the planner; connects to nothing. */
export function sourceStreamInfo(name: string, spec: SourceSpec): StreamInfo {
  return sourceOf(spec, name).streamInfo(spec);
}

export function createSource(spec: SourceSpec, ctx: ConnectorContext): Source {
  return sourceOf(spec, ctx.name).create(spec, ctx);
}

export function createSink(spec: SinkSpec, input: StreamInfo, ctx: ConnectorContext): Sink {
  return sinkOf(spec, `sink ("${ctx.name}")`).create(spec, input, ctx);
}

/** Checks a sink spec against its input without creating it (for the planner). */
export function checkSink(spec: SinkSpec, input: StreamInfo): void {
  sinkOf(spec, "sink").check(spec, input);
}
