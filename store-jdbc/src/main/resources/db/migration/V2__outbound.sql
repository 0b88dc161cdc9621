-- The outbound side: send jobs, their attempts, idempotency keys, routing rules, opt-outs, status
-- callbacks and dead letters. Same dialect rules as V1 (PostgreSQL, and H2 in MODE=PostgreSQL).

-- where each status change of an outbound message is POSTed, as the request named it
ALTER TABLE messages ADD COLUMN callback_url VARCHAR(2048);

-- A queued message's send job. Leased (lease_owner, lease_until) while a node sends it, and deleted in
-- the transaction that stores the outcome: a node that dies mid-send leaves it to be leased again.
CREATE TABLE send_jobs (
    message_id      VARCHAR(64) NOT NULL PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL,
    -- request order; sends of one conversation go one at a time in this order
    seq             BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}),
    priority        SMALLINT    NOT NULL,
    not_before      TIMESTAMP WITH TIME ZONE NOT NULL,
    expire_at       TIMESTAMP WITH TIME ZONE,
    plan            VARCHAR     NOT NULL,
    runs            INTEGER     NOT NULL DEFAULT 0,
    lease_owner     VARCHAR(64),
    lease_until     TIMESTAMP WITH TIME ZONE,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX send_jobs_order_idx ON send_jobs (priority, seq);
CREATE INDEX send_jobs_conversation_idx ON send_jobs (conversation_id, seq);

CREATE TABLE send_attempts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}) PRIMARY KEY,
    message_id    VARCHAR(64)  NOT NULL,
    carrier       VARCHAR(32)  NOT NULL,
    account       VARCHAR(128) NOT NULL,
    attempted_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_ms   BIGINT       NOT NULL,
    outcome       VARCHAR(32)  NOT NULL,
    http_status   INTEGER,
    error_code    VARCHAR(255),
    error_message VARCHAR
);

-- read only per message; carrier health comes from the breakers, not from here
CREATE INDEX send_attempts_message_idx ON send_attempts (message_id, id);

-- A repeat of POST /v1/messages with the same key gets the first answer; the hash tells a repeat from
-- another request reusing the key.
CREATE TABLE idempotency_keys (
    principal    VARCHAR(128) NOT NULL,
    idem_key     VARCHAR(255) NOT NULL,
    request_hash VARCHAR(64)  NOT NULL,
    message_id   VARCHAR(64)  NOT NULL,
    response     VARCHAR      NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (principal, idem_key)
);

CREATE TABLE routing_rules (
    id               VARCHAR(64)  NOT NULL PRIMARY KEY,
    prefix           VARCHAR(32)  NOT NULL,
    carrier          VARCHAR(32)  NOT NULL,
    priority         INTEGER      NOT NULL,
    cost_per_message NUMERIC(12, 6),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Participants who sent STOP (or another opt-out word) on a channel, until they send START.
CREATE TABLE opt_outs (
    participant  VARCHAR(255) NOT NULL,
    channel      VARCHAR(16)  NOT NULL,
    keyword      VARCHAR(32)  NOT NULL,
    opted_out_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (participant, channel)
);

-- Status changes to POST to a message's callback_url, one message's in order.
CREATE TABLE callback_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY (CACHE ${identity_cache}) PRIMARY KEY,
    message_id      VARCHAR(64)   NOT NULL,
    url             VARCHAR(2048) NOT NULL,
    payload         VARCHAR       NOT NULL,
    attempts        INTEGER       NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    lease_until     TIMESTAMP WITH TIME ZONE,
    last_error      VARCHAR,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX callback_deliveries_due_idx ON callback_deliveries (next_attempt_at, id);
CREATE INDEX callback_deliveries_message_idx ON callback_deliveries (message_id, id);

CREATE TABLE dead_letters (
    id          VARCHAR(64) NOT NULL PRIMARY KEY,
    kind        VARCHAR(16) NOT NULL,
    message_id  VARCHAR(64),
    payload     VARCHAR     NOT NULL,
    attempts    INTEGER     NOT NULL,
    last_error  VARCHAR,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    replayed_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX dead_letters_created_idx ON dead_letters (created_at DESC, id);
