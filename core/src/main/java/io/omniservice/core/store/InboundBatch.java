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

    /**
     * A message with the conversation it belongs to, and the sender's other key when the message shows
     * both (a phone number beside a WhatsApp user id): the store links the alias to the conversation's key,
     * so a later message from the user id alone joins the phone's conversation, and one held under the
     * alias so far is joined into it.
     */
    public record NewMessage(NormalizedMessage message, ConversationKey conversation, ConversationKey alias) {
        public NewMessage(NormalizedMessage message, ConversationKey conversation) {
            this(message, conversation, null);
        }
    }

    public boolean isEmpty() {
        return messages.isEmpty() && statuses.isEmpty();
    }
}
