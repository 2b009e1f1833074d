import pino, { type Logger } from "pino";

/**
 * Structured JSON logs (pino). SABOT_LOG_LEVEL sets the level; the CLI lowers it to "warn" for
 * interactive runs so progress lines stay readable.
 */
export const log: Logger = pino({
  name: "sabot",
  level: process.env.SABOT_LOG_LEVEL ?? "info",
  base: { pid: process.pid },
});

export type { Logger };
