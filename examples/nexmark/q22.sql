-- Nexmark q22: Get URL Directories. Every bid with the first three directories of its URL split out.
-- Source: the Nexmark suite's Flink SQL text (github.com/nexmark/nexmark), rewritten for Sabot's tables;
-- docs/sql.md lists whether Sabot runs it and, if not, the missing feature. Reads tables.sql.

CREATE TABLE nexmark_q22 (
      auction  BIGINT,
      bidder  BIGINT,
      price  BIGINT,
      channel  VARCHAR,
      dir1  VARCHAR,
      dir2  VARCHAR,
      dir3  VARCHAR
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q22
SELECT
    auction, bidder, price, channel,
    SPLIT_INDEX(url, '/', 3) as dir1,
    SPLIT_INDEX(url, '/', 4) as dir2,
    SPLIT_INDEX(url, '/', 5) as dir3 FROM bid;
