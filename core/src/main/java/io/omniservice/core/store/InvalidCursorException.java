package io.omniservice.core.store;

/** A pagination cursor that this store did not make (tampered, truncated or from another listing). */
public class InvalidCursorException extends IllegalArgumentException {
    public InvalidCursorException(String message) {
        super(message);
    }
}
