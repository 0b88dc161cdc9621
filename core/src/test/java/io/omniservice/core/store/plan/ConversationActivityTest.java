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

class ConversationActivityTest {
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");
    private static final Instant T3 = Instant.parse("2025-03-01T10:00:03Z");

    private static PlacedMessage stored(String id, String conversationId, CarrierType carrier, Instant at) {
        return stored(id, conversationId, carrier, at, Direction.INBOUND);
    }

    private static PlacedMessage stored(
            String id, String conversationId, CarrierType carrier, Instant at, Direction direction) {
        var message = new NormalizedMessage(
                id,
                conversationId,
                direction,
                Sender.phone("+14155550100", null),
                null,
                new MessageContent.Text("hi"),
                new MessageMetadata(carrier, "default", "c-" + id, null, null, at, null, null));
        return new PlacedMessage(message, "p-" + conversationId, carrier, at);
    }

    @Test
    void aGroupsMessagesCountOncePerConversationInIdOrder() {
        List<ConversationActivity.Added> activity = ConversationActivity.of(List.of(
                stored("m1", "c2", CarrierType.TWILIO, T2),
                stored("m2", "c1", CarrierType.WHATSAPP, T1),
                stored("m3", "c2", CarrierType.BANDWIDTH, T1),
                stored("m4", "c2", CarrierType.TWILIO, T3)));

        assertThat(activity)
                .containsExactly(
                        new ConversationActivity.Added("c1", "p-c1", 1, T1, T1, CarrierType.WHATSAPP, T1),
                        new ConversationActivity.Added("c2", "p-c2", 3, T1, T3, CarrierType.TWILIO, null));
    }

    @Test
    void ofMessagesAtTheSameTimeTheLaterOnesCarrierWins() {
        List<ConversationActivity.Added> activity = ConversationActivity.of(
                List.of(stored("m1", "c1", CarrierType.TWILIO, T2), stored("m2", "c1", CarrierType.WHATSAPP, T2)));

        assertThat(activity.getFirst().carrier()).isEqualTo(CarrierType.WHATSAPP);
    }

    @Test
    void newerMessagesMoveTheLastActivityAndCarrier() {
        var stored = new ConversationActivity.Counters(5, T1, CarrierType.TWILIO, null);
        var added = new ConversationActivity.Added("c1", "p", 2, T2, T3, CarrierType.WHATSAPP, T3);

        assertThat(ConversationActivity.apply(stored, added))
                .isEqualTo(new ConversationActivity.Counters(7, T3, CarrierType.WHATSAPP, T3));
    }

    @Test
    void aLateMessageFromThePastCountsButMovesNothingElse() {
        var stored = new ConversationActivity.Counters(5, T3, CarrierType.TWILIO, T2);
        var added = new ConversationActivity.Added("c1", "p", 1, T1, T1, CarrierType.WHATSAPP, T1);

        assertThat(ConversationActivity.apply(stored, added))
                .isEqualTo(new ConversationActivity.Counters(6, T3, CarrierType.TWILIO, T2));
    }

    @Test
    void aMessageAtTheSameTimeAsTheLastTakesTheCarrier() {
        var stored = new ConversationActivity.Counters(5, T2, CarrierType.TWILIO, null);
        var added = new ConversationActivity.Added("c1", "p", 1, T2, T2, CarrierType.WHATSAPP, T2);

        assertThat(ConversationActivity.apply(stored, added).carrier()).isEqualTo(CarrierType.WHATSAPP);
    }

    @Test
    void aNewConversationIsOpenSinceItsOldestMessageAndAnnounced() {
        var added = new ConversationActivity.Added("c1", "+14155550100", 2, T1, T2, CarrierType.WHATSAPP, T1);

        ConversationActivity.Created created = ConversationActivity.create(added);

        assertThat(created)
                .isEqualTo(new ConversationActivity.Created(
                        "c1", "+14155550100", CarrierType.WHATSAPP, "open", T1, T2, 2, T1));
        assertThat(created.event())
                .isEqualTo(new CommitEvent.ConversationCreated("c1", "+14155550100", CarrierType.WHATSAPP));
    }

    @Test
    void theLastWhatsAppMessageIsTheCustomersNewestOnWhatsAppNotOurSendsNorOtherCarriers() {
        List<ConversationActivity.Added> activity = ConversationActivity.of(List.of(
                stored("m1", "c1", CarrierType.WHATSAPP, T1),
                stored("m2", "c1", CarrierType.WHATSAPP, T3, Direction.OUTBOUND),
                stored("m3", "c1", CarrierType.TWILIO, T3),
                stored("m4", "c1", CarrierType.WHATSAPP, T2)));

        assertThat(activity.getFirst().lastWhatsAppInbound()).isEqualTo(T2);
    }

    @Test
    void theLastWhatsAppMessageOnlyMovesForwardAndSurvivesGroupsWithoutOne() {
        var stored = new ConversationActivity.Counters(5, T2, CarrierType.WHATSAPP, T2);

        assertThat(ConversationActivity.apply(
                                stored, new ConversationActivity.Added("c1", "p", 1, T3, T3, CarrierType.TWILIO, null))
                        .lastWhatsAppInbound())
                .isEqualTo(T2);
        assertThat(ConversationActivity.apply(
                                stored, new ConversationActivity.Added("c1", "p", 1, T1, T1, CarrierType.WHATSAPP, T1))
                        .lastWhatsAppInbound())
                .isEqualTo(T2);
        assertThat(ConversationActivity.apply(
                                new ConversationActivity.Counters(5, T2, CarrierType.TWILIO, null),
                                new ConversationActivity.Added("c1", "p", 1, T1, T1, CarrierType.WHATSAPP, T1))
                        .lastWhatsAppInbound())
                .isEqualTo(T1);
    }
}
