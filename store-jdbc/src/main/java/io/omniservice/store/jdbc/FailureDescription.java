package io.omniservice.store.jdbc;

import io.omniservice.core.store.StorageException;
import java.sql.SQLException;

/**
 * A write failure as logs and callers may see it: which errors, never their text. Databases quote the
 * rows they refuse (PostgreSQL's batch errors print every bound value, H2 quotes a value that is too
 * long), and those rows hold message bodies and phone numbers.
 */
final class FailureDescription {
    private static final int MAX_DEPTH = 6;

    private FailureDescription() {}

    static String of(Throwable failure) {
        StringBuilder description = new StringBuilder();
        Throwable current = failure;
        for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
            if (depth > 0) {
                description.append(" <- ");
            }
            description.append(current.getClass().getName());
            if (current instanceof SQLException sql) {
                description
                        .append(" SQLState ")
                        .append(sql.getSQLState())
                        .append(" code ")
                        .append(sql.getErrorCode());
            }
            Throwable next = current instanceof SQLException sql && sql.getNextException() != null
                    ? sql.getNextException()
                    : current.getCause();
            current = next == current ? null : next;
        }
        return description.toString();
    }

    /** The exception a caller of a failed commit gets: the description, with the failure's stack trace. */
    static StorageException storageException(Throwable failure) {
        StorageException redacted = new StorageException("the batch was not committed: " + of(failure), null);
        redacted.setStackTrace(failure.getStackTrace());
        return redacted;
    }
}
