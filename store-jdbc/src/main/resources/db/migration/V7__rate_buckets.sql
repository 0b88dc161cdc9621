-- Each API client's token bucket when several nodes share PostgreSQL (Bucket4j's row format: the bucket's
-- state, serialized), so a client has one budget however many nodes serve it. Unused on H2 (one node).
CREATE TABLE rate_buckets (
    id    VARCHAR(160) NOT NULL PRIMARY KEY,
    state BYTEA
);
