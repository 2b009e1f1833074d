import { describe, expect, it } from "vitest";
import { explainText } from "../../../bin/cli/explain-command.js";
import { parseManifest } from "../../../runtime/contract/spec/manifest.js";
import { planManifest } from "../../../runtime/planner/validate.js";

const YAML = `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: {name: hot}
spec:
  sources:
    bid:
      generator: {kind: nexmark-bid, count: 100}
      eventTime: {field: dateTime, maxOutOfOrderness: 1s}
  pipeline:
    - from: bid
      keyBy: [auction]
    - window: {type: tumbling, size: 10s}
      aggregate: ["max(price) AS max_price"]
    - to: results
  sinks:
    results: {console: {}}
`;

const SQL = `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: {name: hot}
spec:
  sql: |
    CREATE TABLE bid (auction BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3),
      WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND)
    WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'count' = '100');
    CREATE TABLE results (auction BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), max_price BIGINT)
    WITH ('connector' = 'print');
    INSERT INTO results
    SELECT auction, window_start, window_end, MAX(price) AS max_price
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end;
`;

describe("sabot explain", () => {
  it("prints chains, exchanges and state per operator", () => {
    const text = explainText(planManifest(parseManifest(YAML)));
    expect(text).toContain("[0] Source: bid");
    expect(text).toContain("[1] pipeline[0].keyBy -> pipeline[1].window -> Sink: results");
    expect(text).toMatch(/#0: bid -> pipeline\[0\]\.keyBy \(input 0\), hash\(auction\)/);
    expect(text).toMatch(
      /pipeline\[1\]\.window: window tumbling 10s: max\(price\) AS max_price\n {4}state: keyed window state: per \(auction, window\)/,
    );
  });

  it("says a processing-time window closes on the wall clock, not the watermark", () => {
    const yaml = YAML.replace(
      "window: {type: tumbling, size: 10s}",
      "window: {type: tumbling, size: 10s, time: processing}",
    );
    const text = explainText(planManifest(parseManifest(yaml)));
    expect(text).toContain("window tumbling 10s on processing time");
    expect(text).toContain("until the wall clock passes the window end");
    expect(text).not.toContain("until the watermark passes the window end");
  });

  it("gives a SQL job the same chains, exchanges and state as its YAML form", () => {
    const section = (t: string, from: string, to: string) => t.slice(t.indexOf(from), t.indexOf(to));
    const yaml = explainText(planManifest(parseManifest(YAML)));
    const sql = explainText(planManifest(parseManifest(SQL)));
    const shape = (t: string) => section(t, "chains", "operators:").replace(/#0: \S+ ->/, "#0: <stream> ->");
    expect(shape(sql)).toBe(shape(yaml));
    expect(sql).toContain("state: keyed window state: per (auction, window)");
  });

  it("names updating results and their state (kept forever)", () => {
    const yaml = YAML.replace(
      `    - window: {type: tumbling, size: 10s}
      aggregate: ["max(price) AS max_price"]`,
      `    - upsertAggregate: ["max(price) AS max_price"]`,
    );
    const text = explainText(planManifest(parseManifest(yaml)));
    expect(text).toMatch(
      /pipeline\[1\]\.upsertAggregate: updating aggregate \(no window\): max\(price\) AS max_price\n {4}state: keyed: one accumulator per aggregate per \(auction\), kept forever/,
    );
    const topN = YAML.replace(
      `    - window: {type: tumbling, size: 10s}
      aggregate: ["max(price) AS max_price"]`,
      `    - upsertTopN: {partitionBy: [auction], orderBy: ["price DESC"], limit: 3, rowNumber: rn}`,
    );
    expect(explainText(planManifest(parseManifest(topN)))).toMatch(
      /updating Top-3 per \(auction\) by price DESC\n {4}state: keyed: the best 3 rows per partition, kept forever/,
    );
  });
});
