-- Not shipped: what a release newer than this build migrates, for FutureMigrationsTest. A node of this build
-- meets such a schema during a rolling upgrade and must start on it. Expand-only, as the rule asks.
ALTER TABLE messages ADD COLUMN later_release_note VARCHAR(64);
CREATE TABLE later_release_things (
    id         VARCHAR(64) NOT NULL PRIMARY KEY,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
