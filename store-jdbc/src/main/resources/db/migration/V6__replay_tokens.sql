-- One-time tokens (a MessageBird webhook JWT's jti) every node has seen, until they expire, so a replay
-- is refused whichever node it reaches. token is the SHA-256 of the token in hex. Same dialect rules as V1.
CREATE TABLE replay_tokens (
    scope      VARCHAR(128) NOT NULL,
    token      VARCHAR(64)  NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (scope, token)
);
