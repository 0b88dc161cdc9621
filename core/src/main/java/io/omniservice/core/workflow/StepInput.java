package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.model.Message;
import io.omniservice.core.store.MessageStore;

/**
 * What a step gets: its event, the workflow's context (steps write their results here, and it is
 * stored with the progress), and the event's message, read once for all steps of a run.
 */
public final class StepInput {
    private final ChangeEvent event;
    private final ObjectNode context;
    private final MessageStore messages;
    private final java.util.function.UnaryOperator<Message> view;
    private Message message;
    private int attempts;

    StepInput(
            ChangeEvent event,
            ObjectNode context,
            MessageStore messages,
            java.util.function.UnaryOperator<Message> view) {
        this.event = event;
        this.context = context;
        this.messages = messages;
        this.view = view;
    }

    public ChangeEvent event() {
        return event;
    }

    public ObjectNode context() {
        return context;
    }

    /**
     * The event's message as stored now; a message that is gone fails the step. One handed over with its event
     * ({@link ChangeEvent#stored}) is not read again: its commit wrote it a moment ago.
     */
    public Message message() {
        if (message == null) {
            message = handedOver();
        }
        if (message == null) {
            message = messages.message(event.messageId()).orElseThrow(this::gone);
        }
        return message;
    }

    /**
     * The API client the event's message belongs to (null: an inbound message, or the gateway's own): from the
     * message when this run has it, else by reading only that. A message that is gone fails the step.
     */
    public String messageClient() {
        Message known = message != null ? message : handedOver();
        if (known != null) {
            return MessageStore.Owner.of(known).client();
        }
        return messages.owner(event.messageId()).orElseThrow(this::gone).client();
    }

    private Message handedOver() {
        Message stored = event.stored();
        return stored != null && event.messageId().equals(stored.messageId()) ? stored : null;
    }

    private IllegalStateException gone() {
        return new IllegalStateException("message " + event.messageId() + " is not stored");
    }

    /** The message as events and forwards show it: stored media as signed URLs. */
    public Message messageAsShown() {
        return view.apply(message());
    }

    /**
     * Tells the later steps of this run that the message changed (a step's effect rewrote it), so they
     * see what is now stored without reading it again.
     */
    void messageChanged(Message changed) {
        this.message = changed;
    }

    /** How many times the running step already failed for this event (0 on its first try). */
    public int failedAttempts() {
        return attempts;
    }

    void running(int failedAttempts) {
        this.attempts = failedAttempts;
    }
}
