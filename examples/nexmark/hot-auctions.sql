-- Hot auctions: per auction and 10-second window, the bids over $10,000 and the top price, for
-- auctions with at least 50 such bids. The SQL form of examples/quickstart.yaml; see docs/sql.md.
-- `sabot explain examples/nexmark/hot-auctions.sql` prints its plan.
CREATE TABLE bid (
  auction BIGINT, price BIGINT, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'seed' = '7', 'count' = '200000');
CREATE TABLE hot (auction BIGINT, bids BIGINT, top_price BIGINT, window_end TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO hot
SELECT auction, COUNT(*) AS bids, MAX(price) AS top_price, window_end
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
WHERE price > 1000000
GROUP BY auction, window_start, window_end
HAVING COUNT(*) >= 50;
