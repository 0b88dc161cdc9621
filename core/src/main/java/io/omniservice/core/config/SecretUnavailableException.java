package io.omniservice.core.config;

/**
 * A referenced secret that cannot be read: it does not exist, lacks the key referred to, or the store did
 * not answer. The message names the secret (and key), never a value.
 */
public class SecretUnavailableException extends RuntimeException {
    private final String secret;

    public SecretUnavailableException(String secret, String problem) {
        super(problem);
        this.secret = secret;
    }

    public SecretUnavailableException(String secret, String problem, Throwable cause) {
        super(problem, cause);
        this.secret = secret;
    }

    /** The secret as the reference names it (its id or ARN). */
    public String secret() {
        return secret;
    }
}
