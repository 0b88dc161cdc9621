-- Contacts: one person's identities across channels (a phone number, a WhatsApp user id, a LiveChat
-- customer or chat), written as conversation participants. An identity belongs to at most one contact: the
-- primary key keeps that true however many nodes link at once. Same dialect rules as V1. Expand-only: new
-- tables, which nodes of the previous release do not know.
CREATE TABLE contacts (
    id           VARCHAR(64)  NOT NULL PRIMARY KEY,
    display_name VARCHAR(255),
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

-- position: the order the contact's identities were linked in
CREATE TABLE contact_identities (
    identity   VARCHAR(255) NOT NULL PRIMARY KEY,
    contact_id VARCHAR(64)  NOT NULL REFERENCES contacts (id),
    position   INTEGER      NOT NULL,
    linked_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id, position);

-- the address a send attempt went to: the message's recipient, or another identity of its contact when
-- selection went across channels (NULL for attempts of nodes that do not record it)
ALTER TABLE send_attempts ADD COLUMN sent_to VARCHAR(255);
