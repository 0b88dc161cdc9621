package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.SenderPacing.NumberType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SenderPacingTest {
    private final MovingClock clock = new MovingClock();
    private final SenderPacing.Sender longCode = new SenderPacing.Sender(CarrierType.TWILIO, "default", "+14155550199");
    private final SenderPacing.Sender other = new SenderPacing.Sender(CarrierType.TWILIO, "default", "+14155550198");

    /** A clock only the test moves. */
    private static final class MovingClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private SenderPacing pacing(SenderPacing.SenderRate... rates) {
        return new SenderPacing(
                new SenderPacing.Settings(
                        true, SenderPacing.Settings.CARRIER_DEFAULTS, List.of(rates), Duration.ofSeconds(10)),
                clock,
                route -> null);
    }

    @Test
    void numbersAreToldApartByTheirShape() {
        assertThat(NumberType.of(CarrierType.TWILIO, "+14155550199")).isEqualTo(NumberType.LONG_CODE);
        assertThat(NumberType.of(CarrierType.TWILIO, "+18885550199")).isEqualTo(NumberType.TOLL_FREE);
        assertThat(NumberType.of(CarrierType.BANDWIDTH, "72345")).isEqualTo(NumberType.SHORT_CODE);
        assertThat(NumberType.of(CarrierType.MESSAGEBIRD, "ACMEShop")).isEqualTo(NumberType.ALPHANUMERIC);
        assertThat(NumberType.of(CarrierType.WHATSAPP, "106540352242922")).isEqualTo(NumberType.WHATSAPP);
        assertThat(NumberType.of(CarrierType.LIVECHAT, "agent")).isEqualTo(NumberType.UNPACED);
    }

    @Test
    void aSendersOwnRateBeatsItsAccountsWhichBeatsItsNumberType() {
        SenderPacing pacing = pacing(
                new SenderPacing.SenderRate(CarrierType.TWILIO, "default", "+14155550199", 7),
                new SenderPacing.SenderRate(CarrierType.TWILIO, "default", null, 4));

        assertThat(pacing.rateOf(longCode)).isEqualTo(7);
        assertThat(pacing.rateOf(other)).isEqualTo(4);
        assertThat(pacing.rateOf(new SenderPacing.Sender(CarrierType.BANDWIDTH, "default", "+18005550100")))
                .isEqualTo(3);
        assertThat(pacing.rateOf(new SenderPacing.Sender(CarrierType.WHATSAPP, "default", "1065403522")))
                .isEqualTo(80);
        assertThat(pacing.rateOf(new SenderPacing.Sender(CarrierType.LIVECHAT, "default", "agent")))
                .isZero();
        assertThat(pacing.tryTake(new SenderPacing.Sender(CarrierType.LIVECHAT, "default", "agent"), Priority.LOW))
                .isZero();
    }

    @Test
    void sendsOfOneSenderAreSpacedToItsRateWithHeadroomAndOtherSendersAreNotHeldBack() {
        SenderPacing pacing = pacing(new SenderPacing.SenderRate(CarrierType.TWILIO, "default", null, 2));

        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isZero();
        Duration wait = pacing.tryTake(longCode, Priority.NORMAL);
        assertThat(wait).isEqualTo(Duration.ofMillis(510));
        assertThat(pacing.tryTake(other, Priority.NORMAL))
                .as("another number of the account")
                .isZero();

        pacing.answered(longCode);
        clock.advance(Duration.ofMillis(509));
        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isEqualTo(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isZero();
    }

    @Test
    void noOneSecondWindowOfArrivalsHoldsMoreSendsThanTheRateHoweverLateEachArrives() {
        SenderPacing pacing = pacing(new SenderPacing.SenderRate(CarrierType.TWILIO, "default", null, 5));
        // each request reaches the carrier after a delay that varies from 0 to 400 ms, and is answered then
        long[] delays = {400, 0, 250, 0, 0, 390, 10, 0, 300, 5};
        List<Instant> sent = new java.util.ArrayList<>();
        java.util.PriorityQueue<Instant> answers = new java.util.PriorityQueue<>();
        int started = 0;
        while (sent.size() < 200) {
            while (!answers.isEmpty() && !answers.peek().isAfter(clock.instant())) {
                answers.poll();
                pacing.answered(longCode);
            }
            Duration wait = pacing.tryTake(longCode, Priority.NORMAL);
            if (wait.isZero()) {
                Instant arrival = clock.instant().plusMillis(delays[started++ % delays.length]);
                sent.add(arrival);
                answers.add(arrival);
            } else {
                clock.advance(
                        answers.isEmpty() || wait.compareTo(Duration.between(clock.instant(), answers.peek())) < 0
                                ? wait
                                : Duration.between(clock.instant(), answers.peek()));
            }
        }
        sent.sort(null);
        for (int i = 0; i < sent.size(); i++) {
            Instant windowEnd = sent.get(i).plusSeconds(1);
            long inWindow = sent.subList(i, sent.size()).stream()
                    .filter(t -> t.isBefore(windowEnd))
                    .count();
            assertThat(inWindow).isLessThanOrEqualTo(5);
        }
    }

    @Test
    void aWaitingHighSendTakesTheNextTurnBeforeNormalOnes() {
        SenderPacing pacing = pacing(new SenderPacing.SenderRate(CarrierType.TWILIO, "default", null, 1));
        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isZero();
        pacing.answered(longCode);
        pacing.highWaiting(longCode, 1);
        clock.advance(Duration.ofMillis(1050));

        assertThat(pacing.tryTake(longCode, Priority.NORMAL))
                .as("a normal send yields")
                .isPositive();
        assertThat(pacing.tryTake(longCode, Priority.LOW)).isPositive();
        assertThat(pacing.tryTake(longCode, Priority.HIGH)).isZero();
        pacing.answered(longCode);
        pacing.highWaiting(longCode, -1);
        clock.advance(Duration.ofMillis(1050));
        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isZero();
    }

    @Test
    void a429HalvesTheRateHoldsForRetryAfterAndTheRateComesBackWhenQuiet() {
        SenderPacing pacing = pacing(new SenderPacing.SenderRate(CarrierType.TWILIO, "default", null, 8));
        assertThat(pacing.tryTake(longCode, Priority.NORMAL)).isZero();
        pacing.answered(longCode);

        pacing.throttled(longCode, Duration.ofSeconds(3));

        assertThat(pacing.rateOf(longCode)).isEqualTo(4);
        assertThat(pacing.tryTake(longCode, Priority.HIGH)).isEqualTo(Duration.ofSeconds(3));
        pacing.throttled(longCode, null);
        pacing.throttled(longCode, null);
        pacing.throttled(longCode, null);
        assertThat(pacing.rateOf(longCode)).as("never below a tenth").isEqualTo(0.8);

        clock.advance(Duration.ofSeconds(10));
        pacing.tryTake(longCode, Priority.NORMAL);
        assertThat(pacing.rateOf(longCode)).isEqualTo(2.8);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(10));
            pacing.tryTake(longCode, Priority.NORMAL);
        }
        assertThat(pacing.rateOf(longCode)).isEqualTo(8);
    }

    @Test
    void pacingOffLetsEverySendGo() {
        SenderPacing off = SenderPacing.off(clock);
        for (int i = 0; i < 10; i++) {
            assertThat(off.tryTake(longCode, Priority.NORMAL)).isZero();
        }
    }
}
