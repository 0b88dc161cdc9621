package io.omniservice.core.store;

import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.NormalizedMessage;
import java.util.List;

/** Everything one webhook carried, ready to be committed in one transaction. */
public record InboundBatch(List<NewMessage> messages, List<StatusUpdate> statuses) {
    public InboundBatch {
        messages = List.copyOf(messages);
        statuses = List.copyOf(statuses);
    }

    /** A message with the conversation it belongs to. */
    public record NewMessage(NormalizedMessage message, ConversationKey conversation) {}

    public boolean isEmpty() {
        return messages.isEmpty() && statuses.isEmpty();
    }
}
