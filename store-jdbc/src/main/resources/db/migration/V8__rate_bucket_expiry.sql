-- When a rate bucket's row may be deleted: once its bucket would have refilled to full, and a minute more
-- (a full bucket is what a new row starts as, so nothing is lost). Epoch milliseconds, written by Bucket4j.
-- Expand only: nullable, so a node of the previous release, which writes rows without it, runs beside
-- this one; its rows are simply never swept.
ALTER TABLE rate_buckets ADD COLUMN expires_at BIGINT;
