package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.InboundBatch.NewMessage;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class MessagePlacementTest {
    private static final String PHONE = "+14155550100";
    private static final ConversationKey USER = new ConversationKey("whatsapp-user:US.7");
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00.123456789Z");

    static NewMessage message(
            String id, Direction direction, ConversationKey key, ConversationKey alias, Instant receivedAt) {
        var metadata =
                new MessageMetadata(CarrierType.WHATSAPP, "default", "wamid." + id, null, null, receivedAt, null, null);
        var message = new NormalizedMessage(
                id,
                key.conversationId(),
                direction,
                Sender.phone(PHONE, null),
                "+14155550999",
                new MessageContent.Text("hi"),
                metadata);
        return new NewMessage(message, key, alias);
    }

    @Test
    void aMessageShowingTheSendersOtherKeyLinksItToWhereTheSenderLeads() {
        var withPhone = message("m1", Direction.INBOUND, new ConversationKey(PHONE), USER, null);

        MessagePlacement.Links links = MessagePlacement.links(List.of(withPhone), Map.of());

        assertThat(links.toRecord()).containsExactly(new MessagePlacement.Link(USER, new ConversationKey(PHONE)));
        assertThat(links.leadsTo()).containsEntry(USER.participant(), PHONE);
    }

    @Test
    void aLinkFollowsWhereTheSendersKeyAlreadyLeads() {
        // the sender's number is itself linked to a newer one: the alias joins that one directly
        var withPhone = message("m1", Direction.INBOUND, new ConversationKey(PHONE), USER, null);

        MessagePlacement.Links links = MessagePlacement.links(List.of(withPhone), Map.of(PHONE, "+14155550111"));

        assertThat(links.toRecord())
                .containsExactly(new MessagePlacement.Link(USER, new ConversationKey("+14155550111")));
    }

    @Test
    void noLinkWhenTheSenderAlreadyLeadsToTheAlias() {
        var item = message("m1", Direction.INBOUND, new ConversationKey(PHONE), USER, null);

        assertThat(MessagePlacement.links(List.of(item), Map.of(PHONE, USER.participant()))
                        .toRecord())
                .isEmpty();
        assertThat(MessagePlacement.links(List.of(message("m2", Direction.INBOUND, USER, null, null)), Map.of())
                        .toRecord())
                .isEmpty();
    }

    @Test
    void aLaterMessageOfTheGroupUnderTheAliasJoinsTheLinkedConversation() {
        var withPhone = message("m1", Direction.INBOUND, new ConversationKey(PHONE), USER, null);
        var byUserId = message("m2", Direction.INBOUND, USER, null, null);

        MessagePlacement.Links links = MessagePlacement.links(List.of(withPhone, byUserId), Map.of());
        PlacedMessage placed = MessagePlacement.place(byUserId, links.leadsTo(), NOW, UnaryOperator.identity());

        assertThat(placed.participant()).isEqualTo(PHONE);
        assertThat(placed.conversationId()).isEqualTo(new ConversationKey(PHONE).conversationId());
        assertThat(placed.message().sender()).isEqualTo(byUserId.message().sender());
    }

    @Test
    void aMessageIsCreatedWhenWeReceivedItAtTheStoresPrecision() {
        Instant received = Instant.parse("2025-03-01T09:59:00.987654321Z");
        UnaryOperator<Instant> micros = t -> t.truncatedTo(ChronoUnit.MICROS);

        PlacedMessage withTime = MessagePlacement.place(
                message("m1", Direction.INBOUND, new ConversationKey(PHONE), null, received), Map.of(), NOW, micros);
        PlacedMessage without = MessagePlacement.place(
                message("m2", Direction.OUTBOUND, new ConversationKey(PHONE), null, null), Map.of(), NOW, micros);

        assertThat(withTime.createdAt()).isEqualTo(Instant.parse("2025-03-01T09:59:00.987654Z"));
        assertThat(without.createdAt()).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(withTime.carrier()).isEqualTo(CarrierType.WHATSAPP);
    }

    @Test
    void aMessageNamingAnotherConversationThanItsKeyIsRefused() {
        var item = message("m1", Direction.INBOUND, new ConversationKey(PHONE), null, null);
        var wrong = new NewMessage(item.message(), new ConversationKey("+14155550122"));

        assertThatThrownBy(() -> MessagePlacement.place(wrong, Map.of(), NOW, UnaryOperator.identity()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m1");
    }

    @Test
    void aCustomersMessageIsAnnouncedAndOursStartsQueuedWithoutAnEvent() {
        PlacedMessage in = MessagePlacement.place(
                message("m1", Direction.INBOUND, new ConversationKey(PHONE), null, null),
                Map.of(),
                NOW,
                UnaryOperator.identity());
        PlacedMessage out = MessagePlacement.place(
                message("m2", Direction.OUTBOUND, new ConversationKey(PHONE), null, null),
                Map.of(),
                NOW,
                UnaryOperator.identity());

        assertThat(in.initialStatus()).isEqualTo(MessageStatus.RECEIVED);
        assertThat(in.received())
                .contains(new CommitEvent.MessageReceived(
                        "m1", in.conversationId(), CarrierType.WHATSAPP, "default", Direction.INBOUND));
        assertThat(out.initialStatus()).isEqualTo(MessageStatus.QUEUED);
        assertThat(out.received()).isEmpty();
    }

    @Test
    void keysToResolveAreTheMessagesKeysSorted() {
        var a = message("m1", Direction.INBOUND, new ConversationKey(PHONE), USER, null);
        var b = message("m2", Direction.INBOUND, new ConversationKey("+14155550000"), null, null);

        assertThat(MessagePlacement.keysToResolve(List.of(a, b))).containsExactly("+14155550000", PHONE);
    }
}
