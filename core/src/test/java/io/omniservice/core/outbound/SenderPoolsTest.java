package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Taking a pool's number for each send: counted busy until done, a named sender as it is, each number paced alone. */
class SenderPoolsTest {
    private static final CarrierCapabilities SMS =
            new CarrierCapabilities(true, true, false, false, false, 5_000_000, List.of("image/jpeg"), 1600);
    private static final List<String> NUMBERS = List.of("+14155550100", "+14155550101", "+14155550102");

    private final CarrierRoute pooled =
            TestRoutes.pooled(TestRoutes.route(CarrierType.TWILIO, SMS, "0"), NUMBERS.toArray(String[]::new));
    private final CarrierRoute plain = TestRoutes.route(CarrierType.BANDWIDTH, SMS, "0");
    private final SenderPacing pacing = SenderPacing.off(Clock.systemUTC());
    private final SenderPools pools = new SenderPools(pacing);

    private static final Supplier<List<NumberUse>> NO_HISTORY = List::of;

    @Test
    void sendsUnderWaySpreadOverThePoolAndAFinishedOneFreesItsNumber() {
        List<SenderPools.Taken> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(pools.take(pooled, "+4915112345678", null, NO_HISTORY));
        }
        assertThat(taken.stream().map(SenderPools.Taken::from))
                .containsExactly("+14155550100", "+14155550101", "+14155550102", "+14155550100");
        pools.done(taken.get(1));
        assertThat(pools.take(pooled, "+4915112345678", null, NO_HISTORY).from())
                .isEqualTo("+14155550101");
    }

    @Test
    void aNamedSenderOrAnAccountWithoutAPoolIsNotChosenForAndHistoryIsNotRead() {
        Supplier<List<NumberUse>> unread = () -> {
            throw new AssertionError("no pool chooses: nothing to read");
        };
        SenderPools.Taken named = pools.take(pooled, "+12125559999", "+14155550102", unread);
        assertThat(named.from()).isEqualTo("+14155550102");
        assertThat(named.reason()).isNull();
        assertThat(pacing.load(named.sender())).isEqualTo(1);
        SenderPools.Taken own = pools.take(plain, "+12125559999", null, unread);
        assertThat(own.from()).isNull();
        assertThatThrownBy(() -> pools.take(pooled, "+12125559999", null, unread))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void aJobsCandidatesShareOneReadOfItsConversation() {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Supplier<List<NumberUse>> history = SenderPools.readOnce(() -> {
            reads.incrementAndGet();
            return List.of(new NumberUse(CarrierType.TWILIO, "default", "+14155550102"));
        });
        assertThat(pools.take(pooled, "+4915112345678", null, history).from()).isEqualTo("+14155550102");
        assertThat(pools.take(pooled, "+4915112345678", null, history).reason()).isEqualTo(SenderChoice.Reason.STICKY);
        assertThat(reads).hasValue(1);
    }

    @Test
    void anAccountWithAPoolSendsOnlyFromItsNumbers() {
        assertThat(SenderPools.mayUse(pooled, "+14155550101")).isTrue();
        assertThat(SenderPools.mayUse(pooled, "+14155550199")).isFalse();
        assertThat(SenderPools.mayUse(pooled, null)).isTrue();
        assertThat(SenderPools.mayUse(plain, "+14155550199"))
                .as("no pool: any sender, as before")
                .isTrue();
    }

    @Test
    void eachNumberOfAPoolIsItsOwnPacedSender() {
        SenderPacing paced = new SenderPacing(
                new SenderPacing.Settings(
                        true, SenderPacing.Settings.CARRIER_DEFAULTS, List.of(), Duration.ofSeconds(10)),
                Clock.systemUTC(),
                route -> null);
        SenderPools paced3 = new SenderPools(paced);
        for (int i = 0; i < 3; i++) {
            SenderPools.Taken one = paced3.take(pooled, "+4915112345678", null, NO_HISTORY);
            // a long code's one message a second: each number has its first turn free at once
            assertThat(paced.tryTake(one.sender(), Priority.NORMAL)).isEqualTo(Duration.ZERO);
            assertThat(paced.rateOf(one.sender())).isEqualTo(1.0);
        }
        SenderPools.Taken fourth = paced3.take(pooled, "+4915112345678", null, NO_HISTORY);
        assertThat(paced.tryTake(fourth.sender(), Priority.NORMAL)).isPositive();
    }
}
