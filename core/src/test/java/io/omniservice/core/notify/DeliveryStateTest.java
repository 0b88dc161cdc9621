package io.omniservice.core.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryStateTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static DeadLetter letter(String kind, String subscriptionId, String error, Instant replayedAt) {
        return new DeadLetter(
                "dl-" + subscriptionId + error,
                kind,
                null,
                12,
                error,
                T,
                replayedAt,
                new DeadLetterPayloads.Delivery("https://example.com/in", subscriptionId, "order", null, null)
                        .toJson());
    }

    @Test
    void waitingFirstsAreCountedPerSubscriptionWithTheEarliestRetryAndTheMostTriedError() {
        Map<String, DeliveryState> states = DeliveryState.of(
                List.of(
                        new DeliveryState.Waiting("sub_a", 0, null, null),
                        new DeliveryState.Waiting("sub_a", 3, T.plusSeconds(60), "HTTP 503"),
                        new DeliveryState.Waiting("sub_a", 5, T.plusSeconds(30), "connection refused"),
                        new DeliveryState.Waiting("sub_b", 0, null, null)),
                List.of());
        assertThat(states.get("sub_a")).isEqualTo(new DeliveryState(3, 2, T.plusSeconds(30), "connection refused", 0));
        assertThat(states.get("sub_b")).isEqualTo(new DeliveryState(1, 0, null, null, 0));
        assertThat(states).doesNotContainKey("sub_c");
    }

    @Test
    void onlyEventDeadLettersNotReplayedCountForTheSubscriptionTheyName() {
        Map<String, DeliveryState> states = DeliveryState.of(
                List.of(),
                List.of(
                        letter("event", "sub_a", "HTTP 410", null),
                        letter("event", "sub_a", "HTTP 500", null),
                        letter("event", "sub_a", "HTTP 404", T),
                        letter("callback", "sub_b", "HTTP 500", null)));
        assertThat(states.get("sub_a")).isEqualTo(new DeliveryState(0, 0, null, "HTTP 410", 2));
        assertThat(states).doesNotContainKey("sub_b");
    }

    @Test
    void aWaitingErrorIsPreferredToADeadLettersOne() {
        Map<String, DeliveryState> states = DeliveryState.of(
                List.of(new DeliveryState.Waiting("sub_a", 1, T, "HTTP 502")),
                List.of(letter("event", "sub_a", "HTTP 410", null)));
        assertThat(states.get("sub_a")).isEqualTo(new DeliveryState(1, 1, T, "HTTP 502", 1));
    }
}
