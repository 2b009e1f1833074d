/** Where a piece of SQL starts: 1-based line, 1-based column. */
export interface SqlPosition {
  line: number;
  column: number;
}

/**
 * A problem in a job's SQL, at the line and column a user can find. `hint` says what to write
 * instead, or which feature is missing when the SQL is valid Flink SQL that Sabot cannot run yet.
 */
export class SqlError extends Error {
  constructor(
    readonly at: SqlPosition,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(`${at.line}:${at.column}: ${problem}${hint ? ` (${hint})` : ""}`);
    this.name = "SqlError";
  }
}

/** The SpecIssue path of a SQL position: `spec.sql:3:14`. */
export function sqlPath(at: SqlPosition): string {
  return `spec.sql:${at.line}:${at.column}`;
}
