package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.store.plan.CommitEvent.MessageStatusChanged;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What status reports do to a stored message: its progress to write and the {@code message.status} events to
 * publish. Every time given here is already at the store's precision, so events carry what is stored.
 */
public final class StatusReports {
    /** The account our own reports name: they come from no carrier account's webhook. */
    static final String OWN_ACCOUNT = "-";

    private StatusReports() {}

    /** A report applied to a message: the progress before and after, and the event when its status moved. */
    public record Applied(MessageProgress before, MessageProgress after, List<MessageStatusChanged> events) {
        public Applied {
            events = List.copyOf(events);
        }

        /** Whether the message's row must be written. */
        public boolean changed() {
            return !after.equals(before);
        }
    }

    /** One report on a message that now shows {@code current}. */
    public static Applied apply(String messageId, String conversationId, MessageProgress current, StatusUpdate report) {
        MessageProgress after = current.apply(report);
        return new Applied(
                current,
                after,
                after.status() == current.status()
                        ? List.of()
                        : List.of(MessageStatusChanged.of(
                                messageId, conversationId, current.status(), after.status(), report)));
    }

    /**
     * Statuses that arrived before their message, given to it as it is stored: its status is where its
     * history leads ({@link #inOrder}), and it shows as one change from its initial status, caused by the
     * last report that changed anything.
     */
    public static Applied arrivedEarlier(
            String messageId, String conversationId, Direction direction, List<StatusUpdate> history) {
        MessageProgress initial = MessageProgress.initial(direction);
        MessageProgress progress = initial;
        StatusUpdate last = null;
        for (StatusUpdate report : inOrder(history)) {
            MessageProgress next = progress.apply(report);
            if (!next.equals(progress)) {
                last = report;
            }
            progress = next;
        }
        return new Applied(
                initial,
                progress,
                last == null || progress.status() == initial.status()
                        ? List.of()
                        : List.of(MessageStatusChanged.of(
                                messageId, conversationId, initial.status(), progress.status(), last)));
    }

    /**
     * A stored message's whole history applied to it again ({@link #inOrder}), for statuses just attached to
     * it (callbacks that raced ahead of a carrier's answer): what it already shows changes nothing, and each
     * report that moves its status is an event of its own.
     */
    public static Applied replay(
            String messageId, String conversationId, MessageProgress current, List<StatusUpdate> history) {
        MessageProgress progress = current;
        List<MessageStatusChanged> events = new ArrayList<>();
        for (StatusUpdate report : inOrder(history)) {
            Applied step = apply(messageId, conversationId, progress, report);
            events.addAll(step.events());
            progress = step.after();
        }
        return new Applied(current, progress, events);
    }

    /**
     * A history in the order it is applied: by when each report says it happened, reports of the same time in
     * the order they were recorded (the order given).
     */
    public static List<StatusUpdate> inOrder(List<StatusUpdate> recorded) {
        return recorded.stream()
                .sorted(Comparator.comparing(StatusUpdate::occurredAt))
                .toList();
    }

    /**
     * A status the gateway decides itself (sent when a carrier took the message, failed when none would),
     * as a report like a carrier's, with our word as {@code carrierStatus}.
     */
    public static StatusUpdate own(
            CarrierType carrier,
            String carrierMessageId,
            MessageStatus status,
            String carrierStatus,
            String errorCode,
            String errorMessage,
            Instant at) {
        return new StatusUpdate(
                carrier,
                OWN_ACCOUNT,
                carrierMessageId == null ? "" : carrierMessageId,
                status,
                carrierStatus,
                errorCode,
                errorMessage,
                at,
                null,
                null);
    }
}
