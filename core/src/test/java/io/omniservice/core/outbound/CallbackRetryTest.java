package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When a failed delivery is tried again: callbacks by attempt count, subscription events for a day. */
class CallbackRetryTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    private final CallbackDispatcher dispatcher = new CallbackDispatcher(
            null,
            OutboundSettings.defaults("secret-0123456789abcdef"),
            null,
            null,
            Clock.fixed(NOW, ZoneOffset.UTC),
            "node-1");

    private static CallbackDelivery delivery(String kind, Instant createdAt) {
        return new CallbackDelivery(1, kind, "m-1", "https://example.com/hook", "{}", 0, null, createdAt, null);
    }

    @Test
    void callbackWaitsDoubleEachTimeAndGivesUpAfterItsLastAttempt() {
        CallbackDelivery callback = delivery(CallbackDelivery.CALLBACK, NOW);
        assertThat(dispatcher.retryAt(callback, 1)).isEqualTo(NOW.plusSeconds(1));
        assertThat(dispatcher.retryAt(callback, 3)).isEqualTo(NOW.plusSeconds(4));
        assertThat(dispatcher.retryAt(callback, 9))
                .isEqualTo(NOW.plus(Duration.ofMinutes(4)).plusSeconds(16));
        assertThat(dispatcher.retryAt(callback, 10))
                .as("the tenth failure is the last")
                .isNull();
    }

    @Test
    void subscriptionEventIsRetriedUpToAnHourApartForADayThenGivenUp() {
        CallbackDelivery fresh = delivery(CallbackDelivery.EVENT, NOW);
        assertThat(dispatcher.retryAt(fresh, 1)).isEqualTo(NOW.plusSeconds(1));
        assertThat(dispatcher.retryAt(fresh, 40))
                .as("waits stop growing at an hour")
                .isEqualTo(NOW.plus(Duration.ofHours(1)));

        CallbackDelivery old =
                delivery(CallbackDelivery.EVENT, NOW.minus(Duration.ofHours(23)).minusSeconds(1));
        assertThat(dispatcher.retryAt(old, 2))
                .as("a try within the day is still made")
                .isNotNull();
        assertThat(dispatcher.retryAt(old, 40))
                .as("one that would fall after the day is not")
                .isNull();

        CallbackDelivery forward = delivery(CallbackDelivery.FORWARD, NOW.minus(Duration.ofHours(25)));
        assertThat(dispatcher.retryAt(forward, 1))
                .as("rule forwards follow the same day")
                .isNull();
    }
}
