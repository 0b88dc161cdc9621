package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiptDeadlineTest {
    private static final Instant SENT = Instant.parse("2026-12-01T10:00:00Z");
    private final CarrierRoute twilio = route(CarrierType.TWILIO);
    private final CarrierRoute bandwidth = route(CarrierType.BANDWIDTH);
    private final CarrierRoute inteliquent = route(CarrierType.INTELIQUENT);
    private final CarrierSelector.Selection all = new CarrierSelector.Selection(
            List.of(candidate(bandwidth), candidate(twilio), candidate(inteliquent)), null, null);

    private static CarrierRoute route(CarrierType type) {
        return TestRoutes.route(
                type,
                new CarrierCapabilities(true, true, false, false, false, 5_000_000, List.of("image/jpeg"), 1600),
                "1");
    }

    private static CarrierSelector.Candidate candidate(CarrierRoute route) {
        return new CarrierSelector.Candidate(route, new MessageContent.Text("hi"), "+14155550100");
    }

    private static SendPlan plan(DeliveryFallback fallback) {
        return new SendPlan(
                "+14155550100",
                null,
                new MessageContent.Text("hi"),
                null,
                null,
                null,
                null,
                CarrierType.BANDWIDTH,
                "default",
                null,
                fallback,
                null,
                List.of(),
                null,
                null);
    }

    private static SendPlan watched(DeliveryFallback fallback) {
        return ReceiptDeadline.waiting(plan(fallback), CarrierType.BANDWIDTH, "default", SENT);
    }

    private static DeliveryFallback after30(List<CarrierType> carriers, DeliveryFallback.OnTimeout onTimeout) {
        return new DeliveryFallback(30, carriers, onTimeout);
    }

    private static Message message(List<StatusChange> history) {
        return new Message(
                "m-1",
                "c-1",
                Direction.OUTBOUND,
                CarrierType.BANDWIDTH,
                "+14155550198",
                null,
                "+14155550100",
                new MessageContent.Text("hi"),
                MessageStatus.SENT,
                null,
                "bw-1",
                null,
                history,
                new MessageMetadata(CarrierType.BANDWIDTH, "default", "bw-1", null, null, SENT, null, null, "shop"));
    }

    @Test
    void aSendWithoutFallbackWaitsForNothing() {
        assertThat(ReceiptDeadline.waiting(plan(null), CarrierType.BANDWIDTH, "default", SENT))
                .isNull();
    }

    @Test
    void theDeadlineIsAfterSecondsPastTheSendWithTheCarrierThatTookIt() {
        SendPlan waiting = watched(after30(List.of(), null));

        assertThat(waiting.watch())
                .isEqualTo(new DeliveryWatch(CarrierType.BANDWIDTH, "default", SENT.plusSeconds(30)));
        assertThat(waiting.deliveryFallback().onTimeout()).isEqualTo(DeliveryFallback.OnTimeout.SEND);
    }

    @Test
    void aDeliveryOrReadReportedInTimeWinsWhateverTheRequestAsked() {
        for (DeliveryFallback.OnTimeout onTimeout : DeliveryFallback.OnTimeout.values()) {
            SendPlan waiting = watched(after30(List.of(), onTimeout));
            assertThat(ReceiptDeadline.decide(waiting, MessageStatus.DELIVERED, all))
                    .isEqualTo(new ReceiptDeadline.Verdict.Delivered());
            assertThat(ReceiptDeadline.decide(waiting, MessageStatus.READ, all))
                    .isEqualTo(new ReceiptDeadline.Verdict.Delivered());
        }
    }

    @Test
    void noReceiptResendsOverTheNextCarriersInSelectionOrderSkippingTheOneThatTookIt() {
        ReceiptDeadline.Verdict verdict =
                ReceiptDeadline.decide(watched(after30(List.of(), null)), MessageStatus.SENT, all);

        assertThat(verdict).isInstanceOf(ReceiptDeadline.Verdict.Resend.class);
        assertThat(((ReceiptDeadline.Verdict.Resend) verdict)
                        .candidates().stream().map(c -> c.route().carrier()).toList())
                .containsExactly(CarrierType.TWILIO, CarrierType.INTELIQUENT);
    }

    @Test
    void aFailureReportIsNoReceiptEither() {
        assertThat(ReceiptDeadline.decide(watched(after30(List.of(), null)), MessageStatus.FAILED, all))
                .isInstanceOf(ReceiptDeadline.Verdict.Resend.class);
    }

    @Test
    void theFallbackKeepsToTheCarriersTheRequestNamed() {
        ReceiptDeadline.Verdict verdict = ReceiptDeadline.decide(
                watched(after30(List.of(CarrierType.INTELIQUENT), null)), MessageStatus.SENT, all);

        assertThat(((ReceiptDeadline.Verdict.Resend) verdict)
                        .candidates().stream().map(c -> c.route().carrier()).toList())
                .containsExactly(CarrierType.INTELIQUENT);
        assertThat(ReceiptDeadline.decide(
                        watched(after30(List.of(CarrierType.BANDWIDTH), null)), MessageStatus.SENT, all))
                .isEqualTo(new ReceiptDeadline.Verdict.NoCarrier());
    }

    @Test
    void notifyAnnouncesWithoutASend() {
        assertThat(ReceiptDeadline.decide(
                        watched(after30(List.of(), DeliveryFallback.OnTimeout.NOTIFY)), MessageStatus.SENT, all))
                .isEqualTo(new ReceiptDeadline.Verdict.Notify());
    }

    @Test
    void aRecipientNoCarrierMaySendToNowGetsNoFallback() {
        CarrierSelector.Selection refused = new CarrierSelector.Selection(List.of(), "recipient_opted_out", "STOP");
        assertThat(ReceiptDeadline.decide(watched(after30(List.of(), null)), MessageStatus.SENT, refused))
                .isEqualTo(new ReceiptDeadline.Verdict.NoCarrier());
    }

    @Test
    void theFallbackMessageSkipsEveryCarrierTriedAndIsKeyedToItsOriginal() {
        SendJob job = new SendJob(
                "m-1", "c-1", watched(after30(List.of(), null)), Priority.HIGH, null, 2, SENT.plusSeconds(300), null);

        QueuedMessage fallback = ReceiptDeadline.fallbackMessage(job, message(List.of()), twilio, "m-2", SENT);

        assertThat(fallback.message().messageId()).isEqualTo("m-2");
        assertThat(fallback.message().metadata().client()).isEqualTo("shop");
        assertThat(fallback.message().content()).isEqualTo(new MessageContent.Text("hi"));
        assertThat(fallback.priority()).isEqualTo(Priority.HIGH);
        assertThat(fallback.plan().fallbackOf()).isEqualTo("m-1");
        assertThat(fallback.plan().tried()).containsExactly(CarrierType.BANDWIDTH);
        assertThat(fallback.plan().preferredCarrier()).isEqualTo(CarrierType.TWILIO);
        assertThat(fallback.plan().watch()).isNull();
        assertThat(fallback.plan().deliveryFallback()).isEqualTo(job.plan().deliveryFallback());
        assertThat(fallback.idempotencyKey().key()).isEqualTo("m-1");
        // its own send skips the carrier that took the original, and keeps to the fallback's carriers
        assertThat(ReceiptDeadline.untried(fallback.plan(), all.candidates()).stream()
                        .map(c -> c.route().carrier())
                        .toList())
                .containsExactly(CarrierType.TWILIO, CarrierType.INTELIQUENT);
        assertThat(ReceiptDeadline.acceptedId(new AcceptResult.Stored(), fallback))
                .isEqualTo("m-2");
        assertThat(ReceiptDeadline.acceptedId(new AcceptResult.KeyUsed(true, "{\"messageId\":\"m-first\"}"), fallback))
                .isEqualTo("m-first");
    }

    @Test
    void aFirstSendMayUseEveryCarrier() {
        assertThat(ReceiptDeadline.untried(plan(after30(List.of(CarrierType.TWILIO), null)), all.candidates()))
                .hasSize(3);
    }

    @Test
    void onlyTheFirstDeliveryAfterAFallbackSendIsADuplicate() {
        StatusChange resent = new StatusChange(MessageStatus.SENT, SENT, ReceiptDeadline.FALLBACK_SENT, null);
        StatusChange notified = new StatusChange(MessageStatus.SENT, SENT, ReceiptDeadline.DELIVERY_TIMEOUT, null);

        assertThat(ReceiptDeadline.duplicateDelivery(
                        message(List.of(resent)), MessageStatus.SENT, MessageStatus.DELIVERED))
                .isTrue();
        assertThat(ReceiptDeadline.duplicateDelivery(message(List.of(resent)), MessageStatus.SENT, MessageStatus.READ))
                .isTrue();
        assertThat(ReceiptDeadline.duplicateDelivery(
                        message(List.of(resent)), MessageStatus.DELIVERED, MessageStatus.READ))
                .isFalse();
        assertThat(ReceiptDeadline.duplicateDelivery(
                        message(List.of(resent)), MessageStatus.QUEUED, MessageStatus.SENT))
                .isFalse();
        assertThat(ReceiptDeadline.duplicateDelivery(
                        message(List.of(notified)), MessageStatus.SENT, MessageStatus.DELIVERED))
                .isFalse();
        assertThat(ReceiptDeadline.duplicateDelivery(message(List.of()), MessageStatus.SENT, MessageStatus.DELIVERED))
                .isFalse();
    }

    @Test
    void afterSecondsOutsideItsRangeIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DeliveryFallback(4, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DeliveryFallback(86_401, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
