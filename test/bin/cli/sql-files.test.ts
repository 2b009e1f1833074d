import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSqlFiles } from "../../../bin/cli/sql-files.js";

describe("several .sql files as one spec.sql", () => {
  it("joins them in order and maps positions back to the file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "sabot-sql-"));
    const tables = join(dir, "tables.sql");
    const query = join(dir, "q1.sql");
    writeFileSync(tables, "CREATE TABLE a (x BIGINT)\nWITH ('connector' = 'print');");
    writeFileSync(query, "-- q1\nINSERT INTO a\nSELECT y FROM b;\n");
    const files = readSqlFiles([tables, query]);
    expect(files.name).toBe("q1");
    expect(files.sql.split("\n")[2]).toBe("-- q1");
    expect(files.where("spec.sql:2:6")).toBe(`${tables}:2:6`);
    expect(files.where("spec.sql:5:8")).toBe(`${query}:3:8`);
    expect(files.where("spec.pipeline[0]")).toBe("spec.pipeline[0]");
  });
});
