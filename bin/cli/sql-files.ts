import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { SpecError } from "../../runtime/contract/spec/errors.js";

/**
 * Several .sql files read as one `spec.sql` (tables.sql, then a query), with a way back from a
 * position in the joined text (`spec.sql:40:3`) to the file it is in (`q7.sql:12:3`).
 */
export interface SqlFiles {
  /** The last file's name without `.sql`: the job's name. */
  name: string;
  sql: string;
  /** `spec.sql:L:C` in the joined text → `file:line:C`; any other path unchanged. */
  where(path: string): string;
}

export function readSqlFiles(files: string[]): SqlFiles {
  const parts = files.map((file) => {
    try {
      return { file, text: readFileSync(file, "utf8").replace(/\n?$/, "\n") };
    } catch (err) {
      throw new SpecError([{ path: file, message: `cannot read the SQL: ${(err as Error).message}` }]);
    }
  });
  const starts: number[] = [];
  let line = 1;
  for (const p of parts) {
    starts.push(line);
    line += p.text.split("\n").length - 1;
  }
  const where = (path: string): string => {
    const m = /^spec\.sql:(\d+):(\d+)$/.exec(path);
    if (!m) return path;
    const at = Number(m[1]);
    let i = starts.length - 1;
    while (i > 0 && starts[i] > at) i--;
    return `${parts[i].file}:${at - starts[i] + 1}:${m[2]}`;
  };
  return { name: basename(files[files.length - 1], ".sql"), sql: parts.map((p) => p.text).join(""), where };
}

/** A SpecError of the joined text with its SQL positions in the files. */
export function inFiles(err: unknown, files: SqlFiles): unknown {
  return err instanceof SpecError
    ? new SpecError(err.issues.map((i) => ({ path: files.where(i.path), message: i.message })))
    : err;
}
