-- The message store on SQLite: the schema db/migration reaches at V10 (PostgreSQL and H2), in one file, since
-- no SQLite database existed before it. Numbered V10 so both sets go on from the same version: every later
-- migration comes in both sets, under the same version (MigrationRules).
--
-- Dialect: an instant is an INTEGER of microseconds since the epoch (SqlDialect.SQLITE), so it orders and
-- compares as the instant does; a UUID is its text; a boolean 0 or 1; a VARCHAR(n) there is TEXT with
-- CHECK (length(...) <= n) here, so the same rows are refused. Identities are INTEGER PRIMARY KEY
-- AUTOINCREMENT: never reused, even after the newest row is deleted, since consumers resume from them.
-- JSON documents are kept as text written by the gateway's one JSON configuration.

CREATE TABLE conversations (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    participant     TEXT    NOT NULL CHECK (length(participant) <= 255),
    carrier         TEXT    NOT NULL CHECK (length(carrier) <= 32),
    state           TEXT    NOT NULL DEFAULT 'open' CHECK (length(state) <= 32),
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    message_count   INTEGER NOT NULL DEFAULT 0,
    -- the id is derived from the participant (ConversationKey), so the primary key keeps participants unique
    metadata        TEXT    NOT NULL DEFAULT '{}',
    tags            TEXT
);

CREATE INDEX conversations_activity_idx ON conversations (last_message_at DESC, id DESC);

CREATE TABLE messages (
    message_id         TEXT    NOT NULL PRIMARY KEY CHECK (length(message_id) <= 64),
    -- written in the same transaction as its conversation (no foreign key: the row is checked by the writer)
    conversation_id    TEXT    NOT NULL CHECK (length(conversation_id) <= 64),
    direction          TEXT    NOT NULL CHECK (length(direction) <= 16),
    carrier            TEXT    NOT NULL CHECK (length(carrier) <= 32),
    account            TEXT    NOT NULL CHECK (length(account) <= 128),
    carrier_message_id TEXT CHECK (length(carrier_message_id) <= 255),
    sender             TEXT    NOT NULL CHECK (length(sender) <= 255),
    sender_name        TEXT CHECK (length(sender_name) <= 255),
    recipient          TEXT CHECK (length(recipient) <= 255),
    content            TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (length(status) <= 16),
    created_at         INTEGER NOT NULL,
    sent_at            INTEGER,
    delivered_at       INTEGER,
    read_at            INTEGER,
    error_code         TEXT CHECK (length(error_code) <= 255),
    error_message      TEXT,
    metadata           TEXT    NOT NULL,
    -- where each status change of an outbound message is POSTed, as the request named it
    callback_url       TEXT CHECK (length(callback_url) <= 2048),
    -- which rules fired for an inbound message, as a JSON array
    rules_fired        TEXT,
    -- the API client that sent an outbound message (NULL: inbound, or sent by the gateway itself)
    client_id          TEXT CHECK (length(client_id) <= 160),
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
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    -- null while no stored message has this carrier message id (the status came first)
    message_id         TEXT REFERENCES messages (message_id) CHECK (length(message_id) <= 64),
    carrier            TEXT    NOT NULL CHECK (length(carrier) <= 32),
    carrier_message_id TEXT CHECK (length(carrier_message_id) <= 255),
    status             TEXT    NOT NULL CHECK (length(status) <= 16),
    carrier_status     TEXT    NOT NULL CHECK (length(carrier_status) <= 64),
    error_code         TEXT CHECK (length(error_code) <= 255),
    error_message      TEXT,
    occurred_at        INTEGER NOT NULL,
    recorded_at        INTEGER NOT NULL,
    -- a carrier repeating a status callback adds nothing
    CONSTRAINT status_history_dedupe_key UNIQUE (carrier, carrier_message_id, status, carrier_status, occurred_at)
);

CREATE INDEX status_history_message_idx ON status_history (message_id, occurred_at, id);

-- The outbox: every commit appends what later workers consume, in seq order. A change event is pending
-- until its workflow finished, then deleted (the published_events row is what stays). step: the next step
-- to run; context: what earlier steps produced, as JSON.
CREATE TABLE change_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- a random UUID per event for consumers to deduplicate by; not indexed, nothing looks events up by it
    event_id        TEXT    NOT NULL,
    type            TEXT    NOT NULL CHECK (length(type) <= 32),
    message_id      TEXT CHECK (length(message_id) <= 64),
    conversation_id TEXT CHECK (length(conversation_id) <= 64),
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    step            INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    context         TEXT,
    next_attempt_at INTEGER,
    lease_owner     TEXT CHECK (length(lease_owner) <= 64),
    lease_until     INTEGER,
    last_error      TEXT
);

-- a conversation's events run one at a time in seq order
CREATE INDEX change_events_conversation_idx ON change_events (conversation_id, seq);

-- Settings the store creates for itself once, e.g. the key that signs pagination cursors.
CREATE TABLE store_settings (
    setting_name  TEXT NOT NULL PRIMARY KEY CHECK (length(setting_name) <= 64),
    setting_value TEXT NOT NULL
);

-- A queued message's send job. Leased (lease_owner, lease_until) while a node sends it, and deleted in
-- the transaction that stores the outcome: a node that dies mid-send leaves it to be leased again.
-- seq: request order; sends of one conversation go one at a time in this order. (The rowid is seq, so a
-- job is found by message_id through its unique index.)
CREATE TABLE send_jobs (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT    NOT NULL UNIQUE CHECK (length(message_id) <= 64),
    conversation_id TEXT    NOT NULL CHECK (length(conversation_id) <= 64),
    priority        INTEGER NOT NULL,
    not_before      INTEGER NOT NULL,
    expire_at       INTEGER,
    plan            TEXT    NOT NULL,
    runs            INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT CHECK (length(lease_owner) <= 64),
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE INDEX send_jobs_order_idx ON send_jobs (priority, seq);
CREATE INDEX send_jobs_conversation_idx ON send_jobs (conversation_id, seq);

CREATE TABLE send_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    TEXT    NOT NULL CHECK (length(message_id) <= 64),
    carrier       TEXT    NOT NULL CHECK (length(carrier) <= 32),
    account       TEXT    NOT NULL CHECK (length(account) <= 128),
    attempted_at  INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    outcome       TEXT    NOT NULL CHECK (length(outcome) <= 32),
    http_status   INTEGER,
    error_code    TEXT CHECK (length(error_code) <= 255),
    error_message TEXT,
    -- the address the attempt went to: the message's recipient, or another identity of its contact when
    -- selection went across channels
    sent_to       TEXT CHECK (length(sent_to) <= 255)
);

-- read only per message; carrier health comes from the breakers, not from here
CREATE INDEX send_attempts_message_idx ON send_attempts (message_id, id);

-- A repeat of POST /v1/messages with the same key gets the first answer; the hash tells a repeat from
-- another request reusing the key.
CREATE TABLE idempotency_keys (
    principal    TEXT    NOT NULL CHECK (length(principal) <= 128),
    idem_key     TEXT    NOT NULL CHECK (length(idem_key) <= 255),
    request_hash TEXT    NOT NULL CHECK (length(request_hash) <= 64),
    message_id   TEXT    NOT NULL CHECK (length(message_id) <= 64),
    response     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (principal, idem_key)
);

-- cost_per_message: a decimal kept as its text, exact (NUMERIC affinity would make it a binary float), written
-- with 6 places and refused past NUMERIC(12, 6)'s range as the other set does
CREATE TABLE routing_rules (
    id               TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    prefix           TEXT    NOT NULL CHECK (length(prefix) <= 32),
    carrier          TEXT    NOT NULL CHECK (length(carrier) <= 32),
    priority         INTEGER NOT NULL,
    cost_per_message TEXT CHECK (abs(CAST(cost_per_message AS REAL)) < 1000000),
    created_at       INTEGER NOT NULL
);

-- Participants who sent STOP (or another opt-out word) on a channel, until they send START.
CREATE TABLE opt_outs (
    participant  TEXT    NOT NULL CHECK (length(participant) <= 255),
    channel      TEXT    NOT NULL CHECK (length(channel) <= 16),
    keyword      TEXT    NOT NULL CHECK (length(keyword) <= 32),
    opted_out_at INTEGER NOT NULL,
    PRIMARY KEY (participant, channel)
);

-- Outgoing deliveries of three kinds: a message's status callback (callback), an event for a subscription
-- (event) and a rule's forward (forward). Order is kept per order_key: a message for callbacks, a
-- subscription and conversation for events. An event's body is not copied: the row names its
-- published_events entry. lease_owner: which node holds the lease, so a restarted node takes its own back
-- instead of waiting it out. client_id: whose signing secret signs it (NULL: the gateway's own).
CREATE TABLE callback_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT CHECK (length(message_id) <= 64),
    url             TEXT    NOT NULL CHECK (length(url) <= 2048),
    payload         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    kind            TEXT    NOT NULL DEFAULT 'callback' CHECK (length(kind) <= 16),
    subscription_id TEXT CHECK (length(subscription_id) <= 64),
    published_id    INTEGER,
    order_key       TEXT CHECK (length(order_key) <= 160),
    lease_owner     TEXT CHECK (length(lease_owner) <= 64),
    client_id       TEXT CHECK (length(client_id) <= 160)
);

CREATE INDEX callback_deliveries_due_idx ON callback_deliveries (next_attempt_at, id);
CREATE INDEX callback_deliveries_order_idx ON callback_deliveries (order_key, id);

CREATE TABLE dead_letters (
    id          TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    kind        TEXT    NOT NULL CHECK (length(kind) <= 16),
    message_id  TEXT CHECK (length(message_id) <= 64),
    payload     TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    replayed_at INTEGER
);

CREATE INDEX dead_letters_created_idx ON dead_letters (created_at DESC, id);

-- Every event subscribers get, in the order it was published; GET /v1/events resumes from an id.
-- client_id: the client an event concerns (a status change of its message), NULL when it concerns every reader.
CREATE TABLE published_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL CHECK (length(type) <= 32),
    envelope   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    client_id  TEXT CHECK (length(client_id) <= 160)
);
-- (no index on created_at: pruning is hourly and scans; every index is one more page to write per commit)

-- events: the event types as ",message.received,message.status," so one LIKE picks the subscribers of a
-- type. client_id: who created it; sees_all: it was created by an admin client and gets every event.
CREATE TABLE subscriptions (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    url        TEXT    NOT NULL CHECK (length(url) <= 2048),
    events     TEXT    NOT NULL CHECK (length(events) <= 256),
    secret     TEXT    NOT NULL CHECK (length(secret) <= 256),
    created_at INTEGER NOT NULL,
    client_id  TEXT CHECK (length(client_id) <= 160),
    sees_all   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX subscriptions_client_idx ON subscriptions (client_id, created_at, id);

-- Business rules created through the API (rules from the configuration file are not stored).
CREATE TABLE rules (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    definition TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    client_id  TEXT CHECK (length(client_id) <= 160)
);
CREATE INDEX rules_client_idx ON rules (client_id, created_at, id);

-- Each client's secret for signing its callbacks and forwards. Rotation keeps the previous one valid
-- until previous_until, and deliveries in that window carry both signatures.
CREATE TABLE client_secrets (
    client_id       TEXT    NOT NULL PRIMARY KEY CHECK (length(client_id) <= 160),
    secret          TEXT    NOT NULL CHECK (length(secret) <= 256),
    previous_secret TEXT CHECK (length(previous_secret) <= 256),
    previous_until  INTEGER,
    rotated_at      INTEGER NOT NULL
);

-- One person, two keys: alias is the key the person was (or will be) known by, participant the key whose
-- conversation holds them.
CREATE TABLE participant_links (
    alias       TEXT    NOT NULL PRIMARY KEY CHECK (length(alias) <= 255),
    participant TEXT    NOT NULL CHECK (length(participant) <= 255),
    linked_at   INTEGER NOT NULL
);

-- One-time tokens (a MessageBird webhook JWT's jti) seen, until they expire, so a replay is refused.
-- token is the SHA-256 of the token in hex.
CREATE TABLE replay_tokens (
    scope      TEXT    NOT NULL CHECK (length(scope) <= 128),
    token      TEXT    NOT NULL CHECK (length(token) <= 64),
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, token)
);

-- API clients' token buckets shared by nodes (Bucket4j's row format). One node opens a SQLite database, so
-- its buckets stay in memory and the table stays empty; it is here so both sets hold the same tables.
CREATE TABLE rate_buckets (
    id         TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 160),
    state      BLOB,
    expires_at INTEGER
);

-- A sent message's receipt deadline (options.fallback): when it is due, whether delivery was reported, and
-- if not, a fallback over the next carrier.
CREATE TABLE receipt_deadlines (
    message_id      TEXT    NOT NULL PRIMARY KEY CHECK (length(message_id) <= 64),
    conversation_id TEXT    NOT NULL CHECK (length(conversation_id) <= 64),
    priority        INTEGER NOT NULL,
    due             INTEGER NOT NULL,
    expire_at       INTEGER,
    -- the send's plan with the watch: the carrier that took the message and the deadline
    plan            TEXT    NOT NULL,
    runs            INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT CHECK (length(lease_owner) <= 64),
    lease_until     INTEGER
);

CREATE INDEX receipt_deadlines_due_idx ON receipt_deadlines (due);

-- Contacts: one person's identities across channels. An identity belongs to at most one contact: the
-- primary key keeps that true. position: the order the contact's identities were linked in.
CREATE TABLE contacts (
    id           TEXT    NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
    display_name TEXT CHECK (length(display_name) <= 255),
    created_at   INTEGER NOT NULL
);

CREATE TABLE contact_identities (
    identity   TEXT    NOT NULL PRIMARY KEY CHECK (length(identity) <= 255),
    contact_id TEXT    NOT NULL REFERENCES contacts (id) CHECK (length(contact_id) <= 64),
    position   INTEGER NOT NULL,
    linked_at  INTEGER NOT NULL
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id, position);
