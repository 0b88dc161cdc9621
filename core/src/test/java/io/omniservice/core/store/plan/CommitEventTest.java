package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitEventTest {

    @Test
    void conversationEventsAreWrittenBeforeMessageEventsOtherwiseInOrder() {
        var received1 = new CommitEvent.MessageReceived("m1", "c1", CarrierType.TWILIO, "default", Direction.INBOUND);
        var created = new CommitEvent.ConversationCreated("c1", "+14155550100", CarrierType.TWILIO);
        var received2 = new CommitEvent.MessageReceived("m2", "c2", CarrierType.TWILIO, "default", Direction.INBOUND);
        var merged = new CommitEvent.ConversationMerged("c3", "+14155550101", "c4", "whatsapp-user:US.1");

        assertThat(CommitEvent.inWriteOrder(List.of(received1, created, received2, merged)))
                .containsExactly(created, merged, received1, received2);
    }

    @Test
    void eachEventKnowsItsTypeAndLane() {
        var status = new CommitEvent.MessageStatusChanged(
                "m1",
                "c1",
                CarrierType.TWILIO,
                "SM1",
                MessageStatus.SENT,
                MessageStatus.READ,
                "read",
                null,
                null,
                null);
        var created = new CommitEvent.ConversationCreated("c1", "+14155550100", CarrierType.TWILIO);

        assertThat(status.type()).isEqualTo("message.status");
        assertThat(status.messageId()).isEqualTo("m1");
        assertThat(created.type()).isEqualTo("conversation.created");
        assertThat(created.messageId()).isNull();
        assertThat(new CommitEvent.ConversationMerged("c3", "p", "c4", "a").type())
                .isEqualTo("conversation.merged");
        assertThat(new CommitEvent.MessageReceived("m1", "c1", CarrierType.TWILIO, "default", Direction.INBOUND).type())
                .isEqualTo("message.received");
    }

    /** Subscribers, callbacks and workflows read these fields: a renamed or added property breaks them. */
    @Test
    void payloadsAreTheRecordsFieldsOnly() {
        JsonNode status = Json.MAPPER.valueToTree(new CommitEvent.MessageStatusChanged(
                "m1",
                "c1",
                CarrierType.TWILIO,
                "SM1",
                MessageStatus.SENT,
                MessageStatus.DELIVERED,
                "undelivered",
                "30003",
                "unreachable",
                Instant.parse("2025-03-01T10:00:00Z")));
        JsonNode created =
                Json.MAPPER.valueToTree(new CommitEvent.ConversationCreated("c1", "+14155550100", CarrierType.TWILIO));
        JsonNode received = Json.MAPPER.valueToTree(
                new CommitEvent.MessageReceived("m1", "c1", CarrierType.TWILIO, "default", Direction.INBOUND));
        JsonNode merged =
                Json.MAPPER.valueToTree(new CommitEvent.ConversationMerged("c3", "p", "c4", "whatsapp-user:US.1"));

        assertThat(status.properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly(
                        "messageId",
                        "conversationId",
                        "carrier",
                        "carrierMessageId",
                        "previousStatus",
                        "status",
                        "carrierStatus",
                        "errorCode",
                        "errorMessage",
                        "occurredAt");
        assertThat(status.get("previousStatus").asText()).isEqualTo("sent");
        assertThat(status.get("carrier").asText()).isEqualTo("twilio");
        assertThat(status.get("occurredAt").asText()).isEqualTo("2025-03-01T10:00:00Z");
        assertThat(created.properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("conversationId", "participant", "carrier");
        assertThat(received.properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("messageId", "conversationId", "carrier", "account", "direction");
        assertThat(received.get("direction").asText()).isEqualTo("inbound");
        assertThat(merged.properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("conversationId", "participant", "mergedFrom", "alias");
    }
}
