package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageHistoryTest {
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");
    private static final Instant T3 = Instant.parse("2025-03-01T10:00:03Z");

    @Test
    void aHistoryBeginsWithTheMessagesCreation() {
        var delivered = new StatusChange(MessageStatus.DELIVERED, T3, "delivered", null);

        assertThat(MessageHistory.withCreation(Direction.OUTBOUND, T1, List.of(delivered)))
                .containsExactly(new StatusChange(MessageStatus.QUEUED, T1, "queued", null), delivered);
        assertThat(MessageHistory.withCreation(Direction.INBOUND, T1, List.of()))
                .containsExactly(new StatusChange(MessageStatus.RECEIVED, T1, "received", null));
    }

    @Test
    void aReportFromBeforeTheCreationComesFirstOneAtTheSameTimeAfter() {
        // a carrier's clock behind ours: its "sent" happened before we stored the message
        var sent = new StatusChange(MessageStatus.SENT, T1, "sent", null);
        var delivered = new StatusChange(MessageStatus.DELIVERED, T2, "delivered", null);

        assertThat(MessageHistory.withCreation(Direction.OUTBOUND, T2, List.of(sent, delivered)))
                .containsExactly(sent, new StatusChange(MessageStatus.QUEUED, T2, "queued", null), delivered);
    }
}
