-- One person, two keys: a WhatsApp user first known by a business-scoped user id whose phone number Meta
-- reveals later, or a user who changed their number. alias is the key the person was (or will be) known by,
-- participant the key whose conversation holds them. Same dialect rules as V1. Expand-only.
CREATE TABLE participant_links (
    alias       VARCHAR(255) NOT NULL PRIMARY KEY,
    participant VARCHAR(255) NOT NULL,
    linked_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
