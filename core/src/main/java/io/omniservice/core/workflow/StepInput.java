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
    private Message message;

    StepInput(ChangeEvent event, ObjectNode context, MessageStore messages) {
        this.event = event;
        this.context = context;
        this.messages = messages;
    }

    public ChangeEvent event() {
        return event;
    }

    public ObjectNode context() {
        return context;
    }

    /** The event's message as stored now; a message that is gone fails the step. */
    public Message message() {
        if (message == null) {
            message = messages.message(event.messageId())
                    .orElseThrow(() -> new IllegalStateException("message " + event.messageId() + " is not stored"));
        }
        return message;
    }
}
