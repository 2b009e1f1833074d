import { describe, expect, it } from "vitest";
import { consoleConfig } from "../../../../runtime/connectors/console/config.js";
import { ConsoleSink } from "../../../../runtime/connectors/console/sink.js";
import { batchFromRows } from "../../../helpers/random.js";

const FIELDS = [
  { name: "id", type: "int64" as const },
  { name: "name", type: "utf8" as const, dictionary: true },
  { name: "price", type: "float64" as const },
  { name: "at", type: "timestamp[ms]" as const },
];

async function printed(maxRows: number | undefined, rows: Record<string, string | number | null>[]): Promise<string> {
  let out = "";
  const sink = new ConsoleSink(consoleConfig({ maxRows }), { write: (s: string) => (out += s) });
  await sink.open();
  await sink.write(batchFromRows(FIELDS, rows));
  await sink.close();
  return out;
}

describe("console sink", () => {
  it("prints rows as an aligned table: numbers right, text left, times as ISO-8601", async () => {
    const out = await printed(undefined, [
      { id: 1, name: "Google", price: 12.5, at: 1_704_067_200_000 },
      { id: 12345, name: null, price: null, at: 1_704_067_201_234 },
    ]);
    expect(out).toBe(
      [
        "    id | name   | price | at",
        "-------+--------+-------+--------------------------",
        "     1 | Google |  12.5 | 2024-01-01T00:00:00.000Z",
        " 12345 | null   |  null | 2024-01-01T00:00:01.234Z",
        "",
      ].join("\n"),
    );
  });

  it("prints at most maxRows rows per batch and says how many there were", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: "x", price: i, at: 0 }));
    const out = await printed(3, rows);
    expect(out.trimEnd().split("\n")).toHaveLength(2 + 3 + 1);
    expect(out).toContain("(50 rows, 3 shown)");
    expect(await printed(0, rows)).toBe("(50 rows)\n");
  });

  it("cuts long strings and keeps one line per row", async () => {
    const out = await printed(5, [{ id: 1, name: `${"a".repeat(100)}\nmore`, price: 1, at: 0 }]);
    expect(out.split("\n")[2]).toContain(`${"a".repeat(39)}…`);
    expect(out.trimEnd().split("\n")).toHaveLength(3);
  });
});
