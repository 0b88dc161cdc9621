package io.omniservice.lambda;

/**
 * A step failed in a way that may pass (a carrier, store or network error): the workflow retries it with
 * backoff (its Retry on this class's name), then catches it into the dead letters.
 */
public final class OmniserviceRetry extends RuntimeException {
    public OmniserviceRetry(String message, Throwable cause) {
        super(message, cause);
    }
}
