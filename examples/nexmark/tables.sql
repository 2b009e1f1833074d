-- The Nexmark tables: persons, auctions and bids from Sabot's seeded generator, each with a watermark
-- 4 seconds behind its newest event time (the Nexmark suite's ddl). Every qN.sql here reads them: give
-- this file first, e.g. `sabot explain examples/nexmark/tables.sql examples/nexmark/q1.sql`, or put
-- both in a StreamJob's spec.sql. Only the tables a query reads become sources.

CREATE TABLE person (
  id  BIGINT,
  name  VARCHAR,
  emailAddress  VARCHAR,
  creditCard  VARCHAR,
  city  VARCHAR,
  state  VARCHAR,
  `dateTime`  TIMESTAMP(3),
  extra  VARCHAR,
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH (
  'connector' = 'datagen-nexmark',
  'kind' = 'person',
  'seed' = '1',
  'count' = '20000'
);

CREATE TABLE auction (
  id  BIGINT,
  itemName  VARCHAR,
  description  VARCHAR,
  initialBid  BIGINT,
  reserve  BIGINT,
  `dateTime`  TIMESTAMP(3),
  expires  TIMESTAMP(3),
  seller  BIGINT,
  category  BIGINT,
  extra  VARCHAR,
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH (
  'connector' = 'datagen-nexmark',
  'kind' = 'auction',
  'seed' = '1',
  'count' = '60000'
);

CREATE TABLE bid (
  auction  BIGINT,
  bidder  BIGINT,
  price  BIGINT,
  channel  VARCHAR,
  url  VARCHAR,
  `dateTime`  TIMESTAMP(3),
  extra  VARCHAR,
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH (
  'connector' = 'datagen-nexmark',
  'kind' = 'bid',
  'seed' = '1',
  'count' = '1000000'
);
