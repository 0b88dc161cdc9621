-- A sent message's receipt deadline (options.fallback): when it is due, whether delivery was reported, and if
-- not, a fallback over the next carrier. Its own table rather than a send job kept past its send: a node of the
-- release before receipt deadlines leases every due row of send_jobs as a send and would send the message
-- again; this table it never reads. Expand only: a new table, small (a row leaves at its deadline), so a plain
-- index build.
CREATE TABLE receipt_deadlines (
    message_id      VARCHAR(64) NOT NULL PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL,
    priority        SMALLINT    NOT NULL,
    due             TIMESTAMP WITH TIME ZONE NOT NULL,
    expire_at       TIMESTAMP WITH TIME ZONE,
    -- the send's plan with the watch: the carrier that took the message and the deadline
    plan            VARCHAR     NOT NULL,
    runs            INTEGER     NOT NULL DEFAULT 0,
    lease_owner     VARCHAR(64),
    lease_until     TIMESTAMP WITH TIME ZONE
);

CREATE INDEX receipt_deadlines_due_idx ON receipt_deadlines (due);
