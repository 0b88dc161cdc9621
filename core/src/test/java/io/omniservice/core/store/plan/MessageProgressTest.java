package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MessageProgressTest {
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");
    private static final Instant T3 = Instant.parse("2025-03-01T10:00:03Z");

    @Test
    void aCustomersMessageStartsReceivedAndOursStartsQueued() {
        assertThat(MessageProgress.initialStatus(Direction.INBOUND)).isEqualTo(MessageStatus.RECEIVED);
        assertThat(MessageProgress.initialStatus(Direction.OUTBOUND)).isEqualTo(MessageStatus.QUEUED);
        assertThat(MessageProgress.initial(Direction.OUTBOUND))
                .isEqualTo(new MessageProgress(MessageStatus.QUEUED, null, null, null, null, null));
    }

    @Test
    void eachStepRecordsWhenItHappened() {
        MessageProgress p = MessageProgress.initial(Direction.OUTBOUND)
                .apply(MessageStatus.SENT, T1, null, null)
                .apply(MessageStatus.DELIVERED, T2, null, null)
                .apply(MessageStatus.READ, T3, null, null);

        assertThat(p).isEqualTo(new MessageProgress(MessageStatus.READ, T1, T2, T3, null, null));
    }

    @Test
    void aLateSentKeepsTheStatusButTellsWhenItWasSent() {
        MessageProgress delivered =
                MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.DELIVERED, T2, null, null);

        MessageProgress after = delivered.apply(MessageStatus.SENT, T1, null, null);

        assertThat(after.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(after.sentAt()).isEqualTo(T1);
        assertThat(after).isNotEqualTo(delivered);
    }

    @Test
    void aStepsFirstTimeIsKept() {
        MessageProgress sent = MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.SENT, T1, null, null);

        assertThat(sent.apply(MessageStatus.SENT, T3, null, null)).isEqualTo(sent);
    }

    @Test
    void failingRecordsTheErrorThatMadeTheMessageFail() {
        MessageProgress failed =
                MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.FAILED, T1, "30007", "filtered");

        assertThat(failed).isEqualTo(new MessageProgress(MessageStatus.FAILED, null, null, null, "30007", "filtered"));
        // a second failure report is history only: the first error stays
        assertThat(failed.apply(MessageStatus.FAILED, T2, "30008", "unknown")).isEqualTo(failed);
    }

    @Test
    void aFailureAfterDeliveryChangesNothing() {
        MessageProgress delivered =
                MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.DELIVERED, T1, null, null);

        assertThat(delivered.apply(MessageStatus.FAILED, T2, "30003", "unreachable"))
                .isEqualTo(delivered);
    }

    @Test
    void aDeliveryAfterAFailureWinsAndKeepsTheErrorOfRecord() {
        MessageProgress failed =
                MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.FAILED, T1, "30003", "unreachable");

        MessageProgress delivered = failed.apply(MessageStatus.DELIVERED, T2, null, null);

        assertThat(delivered)
                .isEqualTo(new MessageProgress(MessageStatus.DELIVERED, null, T2, null, "30003", "unreachable"));
    }

    @Test
    void aReceivedMessageOnlyMovesToRead() {
        MessageProgress received = MessageProgress.initial(Direction.INBOUND);

        MessageProgress afterSent = received.apply(MessageStatus.SENT, T1, null, null);
        assertThat(afterSent.status()).isEqualTo(MessageStatus.RECEIVED);
        assertThat(afterSent.apply(MessageStatus.READ, T2, null, null).status()).isEqualTo(MessageStatus.READ);
    }
}
