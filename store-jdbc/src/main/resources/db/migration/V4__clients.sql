-- API clients own what they create: their outbound messages, subscriptions, rules and the events and
-- deliveries that follow from them. Same dialect rules as V1. A NULL owner means shared: inbound
-- messages and their events belong to every client allowed to read messages.
-- Expand-only: nodes still on V3 ignore the new columns, and rows they write stay shared (NULL).

-- the API client that sent an outbound message (NULL: inbound, or sent by the gateway itself)
ALTER TABLE messages ADD COLUMN client_id VARCHAR(160);

-- who created the subscription; sees_all: it was created by an admin client and gets every event
ALTER TABLE subscriptions ADD COLUMN client_id VARCHAR(160);
ALTER TABLE subscriptions ADD COLUMN sees_all BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX subscriptions_client_idx ON subscriptions (client_id, created_at, id);

ALTER TABLE rules ADD COLUMN client_id VARCHAR(160);
CREATE INDEX rules_client_idx ON rules (client_id, created_at, id);

-- the client an event concerns (a status change of its message), NULL when it concerns every reader
ALTER TABLE published_events ADD COLUMN client_id VARCHAR(160);

-- whose signing secret signs a status callback or a rule's forward (NULL: the gateway's own)
ALTER TABLE callback_deliveries ADD COLUMN client_id VARCHAR(160);

-- Each client's secret for signing its callbacks and forwards. Rotation keeps the previous one valid
-- until previous_until, and deliveries in that window carry both signatures.
CREATE TABLE client_secrets (
    client_id       VARCHAR(160) NOT NULL PRIMARY KEY,
    secret          VARCHAR(256) NOT NULL,
    previous_secret VARCHAR(256),
    previous_until  TIMESTAMP WITH TIME ZONE,
    rotated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
