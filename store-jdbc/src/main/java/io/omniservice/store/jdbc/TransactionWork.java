package io.omniservice.store.jdbc;

import java.sql.SQLException;

/**
 * Writes that join a group commit beside the inbound batches (an accepted send, a send's outcome): run
 * inside the group's transaction, durable when their future completes.
 */
@FunctionalInterface
interface TransactionWork<R> {
    R write(GroupTransaction tx) throws SQLException;
}
