-- Nexmark q13: Bounded Side Input Join. Every bid joined with a static side table looked up by the auction id modulo 10000.
-- Source: the Nexmark suite's Flink SQL text (github.com/nexmark/nexmark), rewritten for Sabot's tables;
-- docs/sql.md lists whether Sabot runs it and, if not, the missing feature. Reads tables.sql.
-- The side table is declared with Flink's current filesystem options (the suite writes the legacy
-- 'connector.type', 'connector.path' and 'format.type').

CREATE TABLE side_input (
  key BIGINT,
  `value` VARCHAR
) WITH (
  'connector' = 'filesystem',
  'path' = 'file:///tmp/sabot-nexmark-side-input.txt',
  'format' = 'csv'
);

CREATE TABLE nexmark_q13 (
  auction  BIGINT,
  bidder  BIGINT,
  price  BIGINT,
  `dateTime`  TIMESTAMP(3),
  `value`  VARCHAR
) WITH (
  'connector' = 'blackhole'
);

CREATE VIEW B AS SELECT *, PROCTIME() as p_time FROM bid;

INSERT INTO nexmark_q13
SELECT
    B.auction,
    B.bidder,
    B.price,
    B.`dateTime`,
    S.`value`
FROM B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON mod(B.auction, 10000) = S.key;
