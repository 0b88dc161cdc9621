-- Not shipped: a later release's index on a table that already holds rows, built without blocking writers
-- (CONCURRENTLY on PostgreSQL, outside a transaction; a plain build on H2).
CREATE INDEX ${concurrently} messages_later_release_idx ON messages (account, created_at);
