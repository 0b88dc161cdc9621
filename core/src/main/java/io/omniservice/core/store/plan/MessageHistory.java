package io.omniservice.core.store.plan;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A message's status history as it reads back. Its creation is not a recorded report (the message itself
 * says it: one write fewer per message), so a store adds it here, in its place by time.
 */
public final class MessageHistory {
    private MessageHistory() {}

    /**
     * The history of a message of {@code direction} created at {@code created}: its recorded changes, oldest
     * first, with its creation (received or queued) before the first change that did not happen earlier.
     */
    public static List<StatusChange> withCreation(Direction direction, Instant created, List<StatusChange> changes) {
        MessageStatus initial = MessageProgress.initialStatus(direction);
        List<StatusChange> history = new ArrayList<>(changes.size() + 1);
        int i = 0;
        while (i < changes.size() && changes.get(i).at().isBefore(created)) {
            history.add(changes.get(i++));
        }
        history.add(new StatusChange(initial, created, initial.wireName(), null));
        history.addAll(changes.subList(i, changes.size()));
        return history;
    }
}
