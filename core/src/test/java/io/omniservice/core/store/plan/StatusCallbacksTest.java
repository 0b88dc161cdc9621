package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.notify.EventEnvelope;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StatusCallbacksTest {
    private static final Instant AT = Instant.parse("2025-03-01T10:00:00Z");
    private static final CommitEvent.MessageStatusChanged SENT = new CommitEvent.MessageStatusChanged(
            "m1", "c1", CarrierType.TWILIO, "SM1", MessageStatus.QUEUED, MessageStatus.SENT, "queued", null, null, AT);

    @Test
    void onlyStatusChangesAreDueToTheMessagesCallbackUrl() {
        assertThat(StatusCallbacks.due(SENT)).isTrue();
        assertThat(StatusCallbacks.due(
                        new CommitEvent.MessageReceived("m1", "c1", CarrierType.TWILIO, "default", Direction.INBOUND)))
                .isFalse();
        assertThat(StatusCallbacks.due(new CommitEvent.ConversationCreated("c1", "p", CarrierType.TWILIO)))
                .isFalse();
        assertThat(StatusCallbacks.due(new CommitEvent.ConversationMerged("c1", "p", "c2", "a")))
                .isFalse();
    }

    @Test
    void theBodyIsTheEventAsSubscribersGetItUnderItsId() {
        UUID id = UUID.randomUUID();

        EventEnvelope body = StatusCallbacks.body(id, SENT, AT);

        assertThat(body.id()).isEqualTo(id);
        assertThat(body.type()).isEqualTo("message.status");
        assertThat(body.createdAt()).isEqualTo(AT);
        assertThat(body.data()).isEqualTo(Json.MAPPER.valueToTree(SENT));
        assertThat(Json.MAPPER.valueToTree(body).properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("id", "type", "createdAt", "data");
    }
}
