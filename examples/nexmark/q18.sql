-- Nexmark q18: Find Last Bid. The last bid of each bidder on each auction (deduplication keeping the newest row).
-- Source: the Nexmark suite's Flink SQL text (github.com/nexmark/nexmark), rewritten for Sabot's tables;
-- docs/sql.md lists whether Sabot runs it and, if not, the missing feature. Reads tables.sql.

CREATE TABLE nexmark_q18 (
    auction  BIGINT,
    bidder  BIGINT,
    price  BIGINT,
    channel  VARCHAR,
    url  VARCHAR,
    `dateTime`  TIMESTAMP(3),
    extra  VARCHAR
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q18
SELECT auction, bidder, price, channel, url, `dateTime`, extra
 FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY `dateTime` DESC) AS rank_number
       FROM bid)
 WHERE rank_number <= 1;
