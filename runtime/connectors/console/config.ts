import type { ConsoleSinkSpec } from "../../contract/spec/schema.js";
import { ConnectorConfigError } from "../errors.js";

export interface ConsoleConfig {
  /** Rows printed per batch; the rest are counted. */
  maxRows: number;
}

export const CONSOLE_DEFAULTS = { maxRows: 20 } as const;

export function consoleConfig(spec: ConsoleSinkSpec): ConsoleConfig {
  const maxRows = spec.maxRows ?? CONSOLE_DEFAULTS.maxRows;
  if (!Number.isInteger(maxRows) || maxRows < 0)
    throw new ConnectorConfigError(`console.maxRows must be a whole number ≥ 0, got ${maxRows}`);
  return { maxRows };
}
