-- Nexmark q11: User Sessions. Bids per bidder in each session of activity (a session ends after 10 seconds without a bid).
-- Source: the Nexmark suite's Flink SQL text (github.com/nexmark/nexmark), rewritten for Sabot's tables;
-- docs/sql.md lists whether Sabot runs it and, if not, the missing feature. Reads tables.sql.

CREATE TABLE nexmark_q11 (
  bidder  BIGINT,
  bid_count  BIGINT,
  starttime  TIMESTAMP(3),
  endtime  TIMESTAMP(3)
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q11
SELECT
    bidder,
    count(*) as bid_count,
    window_start AS starttime,
    window_end AS endtime
FROM TABLE(
    SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;
