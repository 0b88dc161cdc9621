-- The message store: one schema for PostgreSQL and for H2 in MODE=PostgreSQL.
-- JSON documents are kept as text written by the gateway's one JSON configuration.

CREATE TABLE conversations (
    id              VARCHAR(64)  NOT NULL PRIMARY KEY,
    participant     VARCHAR(255) NOT NULL,
    carrier         VARCHAR(32)  NOT NULL,
    state           VARCHAR(32)  NOT NULL DEFAULT 'open',
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    last_message_at TIMESTAMP WITH TIME ZONE NOT NULL,
    message_count   BIGINT       NOT NULL DEFAULT 0,
    -- the id is derived from the participant (ConversationKey), so the primary key keeps participants unique
    metadata        VARCHAR      NOT NULL DEFAULT '{}'
);

CREATE INDEX conversations_activity_idx ON conversations (last_message_at DESC, id DESC);

CREATE TABLE messages (
    message_id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    -- written in the same transaction as its conversation (no foreign key: the row is checked by the writer)
    conversation_id    VARCHAR(64)  NOT NULL,
    direction          VARCHAR(16)  NOT NULL,
    carrier            VARCHAR(32)  NOT NULL,
    account            VARCHAR(128) NOT NULL,
    carrier_message_id VARCHAR(255),
    sender             VARCHAR(255) NOT NULL,
    sender_name        VARCHAR(255),
    recipient          VARCHAR(255),
    content            VARCHAR      NOT NULL,
    status             VARCHAR(16)  NOT NULL,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    sent_at            TIMESTAMP WITH TIME ZONE,
    delivered_at       TIMESTAMP WITH TIME ZONE,
    read_at            TIMESTAMP WITH TIME ZONE,
    error_code         VARCHAR(255),
    error_message      VARCHAR,
    metadata           VARCHAR      NOT NULL,
    -- a carrier's retry of a webhook names the same message again: store it once
    CONSTRAINT messages_carrier_message_key UNIQUE (carrier, carrier_message_id)
);

-- the seed's carrier-timestamp-index and status-created-index, plus a conversation's timeline
CREATE INDEX messages_carrier_created_idx ON messages (carrier, created_at, message_id);
CREATE INDEX messages_status_created_idx ON messages (status, created_at, message_id);
CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at, message_id);

-- Every status a carrier reported. A message's first entry (received or queued, at its created_at) is
-- the message row itself and is not repeated here.
CREATE TABLE status_history (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}) PRIMARY KEY,
    -- null while no stored message has this carrier message id (the status came first)
    message_id         VARCHAR(64) REFERENCES messages (message_id),
    carrier            VARCHAR(32)  NOT NULL,
    carrier_message_id VARCHAR(255),
    status             VARCHAR(16)  NOT NULL,
    carrier_status     VARCHAR(64)  NOT NULL,
    error_code         VARCHAR(255),
    error_message      VARCHAR,
    occurred_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    -- a carrier repeating a status callback adds nothing
    CONSTRAINT status_history_dedupe_key UNIQUE (carrier, carrier_message_id, status, carrier_status, occurred_at)
);

CREATE INDEX status_history_message_idx ON status_history (message_id, occurred_at, id);

-- The outbox: every commit appends what later workers consume, in seq order.
CREATE TABLE change_events (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}) PRIMARY KEY,
    event_id        UUID        NOT NULL,
    type            VARCHAR(32) NOT NULL,
    message_id      VARCHAR(64),
    conversation_id VARCHAR(64),
    payload         VARCHAR     NOT NULL,
    -- a random UUID per event for consumers to deduplicate by; not indexed, nothing looks events up by it
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Settings the store creates for itself once, e.g. the key that signs pagination cursors.
CREATE TABLE store_settings (
    setting_name  VARCHAR(64) NOT NULL PRIMARY KEY,
    setting_value VARCHAR     NOT NULL
);
