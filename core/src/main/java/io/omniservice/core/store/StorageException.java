package io.omniservice.core.store;

/**
 * Storage could not do what was asked (the database refused or did not answer); nothing was half-written.
 * Every store adapter throws it; its message names what failed, never the data (bodies, phone numbers).
 */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
