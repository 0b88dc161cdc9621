package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.outbound.SendPlan;
import io.omniservice.core.outbound.SendResult;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendResultsTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final SendOutcome.Sent SENT = new SendOutcome.Sent(
            "m1", "c1", CarrierType.BANDWIDTH, "main", new SendResult("bw-1", "accepted", 1), List.of());

    @Test
    void anAcceptedSendIsSentUnderTheCarriersIdAndItsCarrierCarriesTheConversation() {
        SendResults.Accepted accepted = SendResults.accepted(SENT, false, NOW);

        assertThat(accepted.carrierMessageId()).isEqualTo("bw-1");
        assertThat(accepted.account()).isEqualTo("main");
        assertThat(accepted.conversationId()).isEqualTo("c1");
        assertThat(accepted.conversationCarrier()).isEqualTo(CarrierType.BANDWIDTH);
        assertThat(accepted.report().status()).isEqualTo(MessageStatus.SENT);
        assertThat(accepted.report().carrierStatus()).isEqualTo("accepted");
        assertThat(accepted.report().occurredAt()).isEqualTo(NOW);
        CommitEvent.MessageStatusChanged event = StatusReports.apply(
                        "m1", "c1", MessageProgress.initial(Direction.OUTBOUND), accepted.report())
                .events()
                .getFirst();
        assertThat(event.previousStatus()).isEqualTo(MessageStatus.QUEUED);
        assertThat(event.carrierMessageId()).isEqualTo("bw-1");
    }

    @Test
    void aCarrierIdThatNamesAnotherMessageIsNotKept() {
        SendResults.Accepted accepted = SendResults.accepted(SENT, true, NOW);

        assertThat(accepted.carrierMessageId()).isNull();
        assertThat(accepted.report().carrierMessageId()).isEmpty();
        assertThat(accepted.report().status()).isEqualTo(MessageStatus.SENT);
    }

    @Test
    void aSendKeptForReplayFailsAsDeadLetterOtherwiseInItsErrorsWord() {
        var deadLetter = new SendOutcome.Failed(
                "m1", CarrierType.TWILIO, "carrier_error", "every carrier failed", true, null, List.of());
        var refused = new SendOutcome.Failed(
                "m2", CarrierType.TWILIO, "opted_out", "recipient opted out", false, null, List.of());

        assertThat(SendResults.failed(deadLetter, NOW).carrierStatus()).isEqualTo("dead_letter");
        assertThat(SendResults.failed(deadLetter, NOW).errorCode()).isEqualTo("carrier_error");
        assertThat(SendResults.failed(refused, NOW).carrierStatus()).isEqualTo("opted_out");
        assertThat(SendResults.failed(refused, NOW).status()).isEqualTo(MessageStatus.FAILED);
        assertThat(SendResults.failed(refused, NOW).errorMessage()).isEqualTo("recipient opted out");
    }

    @Test
    void aDeadSendKeepsItsPlanItsCarrierCallsAndItsLastErrorAndAReplayReadsThePlanBack() {
        SendPlan plan = new SendPlan(
                "+14155550100",
                null,
                new MessageContent.Text("hi"),
                null,
                null,
                null,
                null,
                CarrierType.TWILIO,
                "default");
        var failed = new SendOutcome.Failed(
                "m1",
                CarrierType.TWILIO,
                "circuit_open",
                "every carrier failed",
                true,
                plan,
                List.of(
                        new SendAttempt(
                                CarrierType.TWILIO, "default", NOW, 5, "retryable", 500, null, null, "+14155550100"),
                        new SendAttempt(
                                CarrierType.BANDWIDTH,
                                "main",
                                NOW,
                                7,
                                "breaker_open",
                                null,
                                null,
                                null,
                                "+14155550100")));

        SendResults.DeadSend dead = SendResults.deadLetter(failed);

        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.lastError()).isEqualTo("circuit_open: every carrier failed");
        assertThat(dead.payload().fieldNames()).toIterable().containsExactly("plan");
        assertThat(SendResults.replayedPlan(dead.payload())).isEqualTo(plan);
        assertThatThrownBy(() -> SendResults.replayedPlan(io.omniservice.core.json.Json.MAPPER.createObjectNode()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plan");
    }
}
