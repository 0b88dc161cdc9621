-- The processing stage: change events become a leased work queue for the workflows, subscriptions and
-- the log of published events that subscribers and the SSE stream read. Same dialect rules as V1.

-- A change event is pending until its workflow finished, then deleted (the published_events row is what
-- stays). step: the next step to run; context: what earlier steps produced, as JSON.
ALTER TABLE change_events ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_events ADD COLUMN context VARCHAR;
ALTER TABLE change_events ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE change_events ADD COLUMN lease_owner VARCHAR(64);
ALTER TABLE change_events ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE change_events ADD COLUMN last_error VARCHAR;

-- a conversation's events run one at a time in seq order
CREATE INDEX change_events_conversation_idx ON change_events (conversation_id, seq);

-- Every event subscribers get, in the order it was published; GET /v1/events resumes from an id.
CREATE TABLE published_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}) PRIMARY KEY,
    event_id        UUID        NOT NULL,
    type            VARCHAR(32) NOT NULL,
    envelope        VARCHAR     NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
-- (no index on created_at: pruning is hourly and scans; every index is one more page to write per commit)

CREATE TABLE subscriptions (
    id         VARCHAR(64)   NOT NULL PRIMARY KEY,
    url        VARCHAR(2048) NOT NULL,
    -- the event types as ",message.received,message.status," so one LIKE picks the subscribers of a type
    events     VARCHAR(256)  NOT NULL,
    secret     VARCHAR(256)  NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Business rules created through the API (rules from the configuration file are not stored).
CREATE TABLE rules (
    id         VARCHAR(64) NOT NULL PRIMARY KEY,
    definition VARCHAR     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- which rules fired for an inbound message, as a JSON array
ALTER TABLE messages ADD COLUMN rules_fired VARCHAR;
ALTER TABLE conversations ADD COLUMN tags VARCHAR;

-- Outgoing deliveries are now of three kinds: a message's status callback (callback), an event for a
-- subscription (event) and a rule's forward (forward). Order is kept per order_key: a message for
-- callbacks, a subscription and conversation for events. An event's body is not copied: the row
-- names its published_events entry, so a delivery row stays small (it is written three times).
ALTER TABLE callback_deliveries ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'callback';
ALTER TABLE callback_deliveries ADD COLUMN subscription_id VARCHAR(64);
ALTER TABLE callback_deliveries ADD COLUMN published_id BIGINT;
ALTER TABLE callback_deliveries ADD COLUMN order_key VARCHAR(160);
-- which node holds the lease, so a restarted node takes its own back instead of waiting it out
ALTER TABLE callback_deliveries ADD COLUMN lease_owner VARCHAR(64);
UPDATE callback_deliveries SET order_key = message_id;
ALTER TABLE callback_deliveries ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE callback_deliveries ALTER COLUMN payload DROP NOT NULL;
DROP INDEX callback_deliveries_message_idx;
CREATE INDEX callback_deliveries_order_idx ON callback_deliveries (order_key, id);
