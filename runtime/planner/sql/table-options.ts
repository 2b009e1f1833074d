import type { TableDef } from "./create-table.js";
import { SqlError } from "./sql-error.js";

/**
 * The WITH options of one table, read once each: an option nobody read is an error at the end,
 * so a misspelt or unsupported option is never ignored silently.
 */
export class TableOptions {
  private readonly read = new Set<string>(["connector"]);

  constructor(readonly table: TableDef) {}

  get connector(): string {
    const c = this.table.options.get("connector");
    if (!c)
      throw new SqlError(
        this.table.at,
        `table ${this.table.name} has no 'connector' option`,
        "add WITH ('connector' = ...)",
      );
    return c.value;
  }

  optional(key: string): string | undefined {
    this.read.add(key);
    return this.table.options.get(key)?.value;
  }

  required(key: string): string {
    const v = this.optional(key);
    if (v === undefined) throw new SqlError(this.table.at, `table ${this.table.name} needs the option '${key}'`);
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.optional(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v))
      throw new SqlError(this.table.options.get(key)!.at, `'${key}' must be a whole number, got '${v}'`);
    return Number(v);
  }

  /** One of `values` (keys: the SQL spelling, values: Sabot's). */
  oneOf<T>(key: string, values: Record<string, T>): T | undefined {
    const v = this.optional(key);
    if (v === undefined) return undefined;
    if (!Object.hasOwn(values, v))
      throw new SqlError(
        this.table.options.get(key)!.at,
        `'${key}' = '${v}' is not supported`,
        `use ${Object.keys(values)
          .map((k) => `'${k}'`)
          .join(", ")}`,
      );
    return values[v];
  }

  /** Throws on the first option no reader asked for. */
  done(): void {
    for (const [key, o] of this.table.options)
      if (!this.read.has(key))
        throw new SqlError(
          o.at,
          `option '${key}' is not supported by the '${this.connector}' connector`,
          `supported: ${[...this.read].filter((k) => k !== "connector").join(", ") || "none"}`,
        );
  }
}
