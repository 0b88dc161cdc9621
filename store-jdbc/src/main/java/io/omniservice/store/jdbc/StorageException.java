package io.omniservice.store.jdbc;

/** Storage could not do what was asked (the database refused or did not answer); nothing was half-written. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
