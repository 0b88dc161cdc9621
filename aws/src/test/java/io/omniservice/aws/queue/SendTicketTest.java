package io.omniservice.aws.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.outbound.Priority;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SendTicketTest {
    private static final Instant DUE = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void idsThatSqsCannotTakeAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new SendTicket("", "c", 1, Priority.NORMAL, DUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageId is required");
        assertThatThrownBy(() -> new SendTicket("m", "conversation one", 1, Priority.NORMAL, DUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("conversationId may hold printable ASCII characters only");
        assertThatThrownBy(() -> new SendTicket("m", "c\u00e9", 1, Priority.NORMAL, DUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("conversationId may hold printable ASCII");
        assertThatThrownBy(() -> new SendTicket("m".repeat(65), "c", 1, Priority.NORMAL, DUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageId is longer than 64 characters (65)");
    }

    @Test
    void anAttemptCountsFromOneAndPriorityAndDueTimeAreRequired() {
        assertThatThrownBy(() -> new SendTicket("m", "c", 0, Priority.NORMAL, DUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempt must be 1 or more, not 0");
        assertThatThrownBy(() -> new SendTicket("m", "c", 1, null, DUE)).hasMessage("priority");
        assertThatThrownBy(() -> new SendTicket("m", "c", 1, Priority.NORMAL, null))
                .hasMessage("notBefore");
    }

    @Test
    void theDeduplicationIdIsTheMessageAndItsAttempt() {
        String longest = "m".repeat(64);
        SendTicket ticket = new SendTicket(longest, "c", Integer.MAX_VALUE, Priority.NORMAL, DUE);

        assertThat(ticket.deduplicationId()).isEqualTo(longest + "#" + Integer.MAX_VALUE);
        assertThat(ticket.deduplicationId().length()).isLessThanOrEqualTo(128);
    }

    @Test
    void aSendsFirstTicketIsInItsConversationsGroupAndEachLaterOneInAGroupOfItsOwn() {
        String longest = "c".repeat(64);
        assertThat(new SendTicket("m", longest, 1, Priority.NORMAL, DUE).messageGroupId())
                .isEqualTo(longest);
        SendTicket later = new SendTicket("m", longest, Integer.MAX_VALUE, Priority.NORMAL, DUE);
        assertThat(later.messageGroupId()).isEqualTo(longest + "#" + Integer.MAX_VALUE);
        assertThat(later.messageGroupId().length()).isLessThanOrEqualTo(128);
    }
}
