package io.omniservice.store.jdbc;

import java.sql.SQLException;
import java.util.List;

/**
 * A write that a group commits together with the others of its kind: its {@link Writer} gets all of
 * the group's units of that kind at once and writes them with batched statements, so a busy writer
 * spends one round of statements per group, not per unit.
 */
interface BatchedWork {
    Writer writer();

    /** Writes units of one kind; one result per unit, in order. */
    @FunctionalInterface
    interface Writer {
        List<Object> write(GroupTransaction tx, List<BatchedWork> units) throws SQLException;
    }
}
