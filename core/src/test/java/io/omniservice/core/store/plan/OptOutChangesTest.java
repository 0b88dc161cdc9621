package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptOutChangesTest {
    private static final String PHONE = "+14155550100";
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");

    private static PlacedMessage stored(
            String body, Direction direction, CarrierType carrier, String group, String participant, Instant at) {
        var metadata =
                new MessageMetadata(carrier, "default", "c-" + body + at, null, null, at, null, null, null, group);
        var message = new NormalizedMessage(
                "m-" + body + at,
                "conv",
                direction,
                Sender.phone(PHONE, null),
                null,
                new MessageContent.Text(body),
                metadata);
        return new PlacedMessage(message, participant, carrier, at);
    }

    private static PlacedMessage inbound(String body, CarrierType carrier, Instant at) {
        return stored(body, Direction.INBOUND, carrier, null, PHONE, at);
    }

    @Test
    void aStopOptsTheSenderOutOfTheChannelItCameOn() {
        assertThat(OptOutChanges.of(List.of(inbound("Stop.", CarrierType.TWILIO, T1))))
                .containsExactly(new OptOutChanges.Change(PHONE, "sms", "STOP", T1));
        assertThat(OptOutChanges.of(List.of(inbound("unsubscribe", CarrierType.WHATSAPP, T1))))
                .containsExactly(new OptOutChanges.Change(PHONE, "whatsapp", "UNSUBSCRIBE", T1));
    }

    @Test
    void aStartOptsThemBackIn() {
        OptOutChanges.Change change = OptOutChanges.of(List.of(inbound("START", CarrierType.BANDWIDTH, T1)))
                .getFirst();

        assertThat(change.optedOut()).isFalse();
        assertThat(change).isEqualTo(new OptOutChanges.Change(PHONE, "sms", null, T1));
    }

    @Test
    void otherWordsChangeNothing() {
        assertThat(OptOutChanges.of(List.of(inbound("please stop calling me", CarrierType.TWILIO, T1))))
                .isEmpty();
    }

    @Test
    void ourMessagesAndGroupMessagesOptNobodyOut() {
        assertThat(OptOutChanges.of(List.of(
                        stored("STOP", Direction.OUTBOUND, CarrierType.TWILIO, null, PHONE, T1),
                        stored("STOP", Direction.INBOUND, CarrierType.WHATSAPP, "g1", "whatsapp-group:g1", T1))))
                .isEmpty();
    }

    @Test
    void theLastKeywordOfACommitStandsPerParticipantAndChannel() {
        List<OptOutChanges.Change> changes = OptOutChanges.of(List.of(
                inbound("STOP", CarrierType.TWILIO, T1),
                inbound("STOP", CarrierType.WHATSAPP, T1),
                inbound("START", CarrierType.BANDWIDTH, T2)));

        // Bandwidth is SMS too: its START undoes Twilio's STOP; WhatsApp's stays
        assertThat(changes)
                .containsExactly(
                        new OptOutChanges.Change(PHONE, "whatsapp", "STOP", T1),
                        new OptOutChanges.Change(PHONE, "sms", null, T2));
    }

    @Test
    void theStandingBelongsToTheConversationsParticipant() {
        // a user id linked to a phone: the opt-out is the phone's (placement gave the linked participant)
        PlacedMessage linked = stored("STOP", Direction.INBOUND, CarrierType.WHATSAPP, null, "+14155550111", T1);

        assertThat(OptOutChanges.of(List.of(linked)).getFirst().participant()).isEqualTo("+14155550111");
    }
}
