package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.trace.Tracing;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What accepting a request tells the dispatcher, when this node has no room to send it itself. */
class OutboundServiceTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final CarrierCapabilities SMS =
            new CarrierCapabilities(true, true, false, false, false, 5_000_000, List.of("image/jpeg"), 1600);

    /** A dispatcher with no free slot, counting how often it is told to look in the store. */
    private static final class Full implements SendHandoff {
        int wakes;

        @Override
        public Lease reserve() {
            return null;
        }

        @Override
        public void cancel(Lease lease) {}

        @Override
        public void handOff(SendJob job) {
            throw new AssertionError("no room: nothing is handed over");
        }

        @Override
        public void wake() {
            wakes++;
        }
    }

    private final List<QueuedMessage> stored = new ArrayList<>();

    /** A store that keeps what it accepts and knows nothing of the recipient. */
    private final OutboundStore store = (OutboundStore) Proxy.newProxyInstance(
            OutboundStore.class.getClassLoader(),
            new Class<?>[] {OutboundStore.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "accept" -> {
                    stored.add((QueuedMessage) args[0]);
                    yield new AcceptResult.Stored();
                }
                case "recipientFacts" -> new RecipientFacts(null, Set.of(), null);
                case "idempotentAnswer" -> Optional.empty();
                default -> throw new AssertionError("not expected: " + method.getName());
            });

    private final Full dispatcher = new Full();

    private final OutboundService service = new OutboundService(
            store,
            new CarrierSelector(
                    List.of(TestRoutes.route(CarrierType.BANDWIDTH, SMS, "0.004")),
                    new CarrierHealth(new OutboundSettings.Breaker(4, 4, 50f, Duration.ofMinutes(5), 1)),
                    new TemplateRegistry(Map.of()),
                    List::of,
                    Duration.ofHours(24)),
            Clock.fixed(NOW, ZoneOffset.UTC),
            dispatcher,
            MediaPipeline.NONE,
            null,
            Tracing.OFF);

    private static OutboundRequest request(Instant scheduledAt) {
        return new OutboundRequest(
                "+15551230000",
                null,
                null,
                new MessageContent.Text("hello"),
                null,
                Map.of(),
                null,
                Priority.NORMAL,
                scheduledAt,
                null,
                null,
                "client-a");
    }

    @Test
    void aMessageDueNowIsLookedForAtOnce() throws Exception {
        service.accept(request(null), null);

        assertThat(stored).hasSize(1);
        assertThat(dispatcher.wakes).isEqualTo(1);
    }

    /** A scheduled message is found by the dispatcher's poll when due: a campaign scheduled ahead wakes nothing. */
    @Test
    void aScheduledMessageIsLeftForThePollThatFindsItDue() throws Exception {
        for (int i = 0; i < 3; i++) {
            service.accept(request(NOW.plus(Duration.ofHours(1))), null);
        }

        assertThat(stored).hasSize(3).allSatisfy(q -> assertThat(q.notBefore()).isEqualTo(NOW.plusSeconds(3600)));
        assertThat(dispatcher.wakes).isZero();
    }
}
