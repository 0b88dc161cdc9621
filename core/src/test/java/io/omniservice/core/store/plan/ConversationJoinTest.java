package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.ConversationKey;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConversationJoinTest {
    private static final ConversationKey USER = new ConversationKey("whatsapp-user:US.7");
    private static final ConversationKey PHONE = new ConversationKey("+14155550100");
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");
    private static final Instant T3 = Instant.parse("2025-03-01T10:00:03Z");
    private static final Instant T4 = Instant.parse("2025-03-01T10:00:04Z");

    @Test
    void theAliasesConversationAddsUpIntoTheParticipantsAndIsAnnounced() {
        var from = new ConversationJoin.Span(2, T1, T3, T3);
        var into = new ConversationJoin.Span(5, T2, T4, T2);

        ConversationJoin.Plan plan = ConversationJoin.plan(USER, PHONE, from, into, List.of(), Set.of())
                .orElseThrow();

        assertThat(plan.renames()).isFalse();
        assertThat(plan.fromConversationId()).isEqualTo(USER.conversationId());
        assertThat(plan.intoConversationId()).isEqualTo(PHONE.conversationId());
        // the count adds up; it began with the older conversation and was last active with the newer message; the
        // customer last wrote on WhatsApp in the alias's
        assertThat(plan.into()).isEqualTo(new ConversationJoin.Span(7, T1, T4, T3));
        assertThat(plan.event())
                .isEqualTo(new CommitEvent.ConversationMerged(
                        PHONE.conversationId(), PHONE.participant(), USER.conversationId(), USER.participant()));
    }

    @Test
    void theLaterActivityWinsWhicheverSideHasIt() {
        var from = new ConversationJoin.Span(1, T3, T4, null);
        var into = new ConversationJoin.Span(1, T1, T2, T1);

        assertThat(ConversationJoin.plan(USER, PHONE, from, into, List.of(), Set.of())
                        .orElseThrow()
                        .into())
                .isEqualTo(new ConversationJoin.Span(2, T1, T4, T1));
    }

    @Test
    void withoutAConversationOfTheParticipantTheAliasesBecomesIt() {
        ConversationJoin.Plan plan = ConversationJoin.plan(
                        USER, PHONE, new ConversationJoin.Span(3, T1, T2, null), null, List.of(), Set.of())
                .orElseThrow();

        assertThat(plan.renames()).isTrue();
        assertThat(plan.into()).isNull();
        assertThat(plan.event().mergedFrom()).isEqualTo(USER.conversationId());
    }

    @Test
    void nothingToJoinWhenTheAliasHasNoConversation() {
        assertThat(ConversationJoin.plan(
                        USER, PHONE, null, new ConversationJoin.Span(1, T1, T1, null), List.of(), Set.of()))
                .isEmpty();
        assertThat(ConversationJoin.plan(
                        PHONE, PHONE, new ConversationJoin.Span(1, T1, T1, null), null, List.of(), Set.of()))
                .isEmpty();
    }

    @Test
    void optOutsCarryOverWhereTheParticipantHasNone() {
        var whatsapp = new ConversationJoin.OptOut("whatsapp", "STOP", T1);
        var sms = new ConversationJoin.OptOut("sms", "QUIT", T2);

        ConversationJoin.Plan plan = ConversationJoin.plan(
                        USER,
                        PHONE,
                        new ConversationJoin.Span(1, T1, T1, null),
                        null,
                        List.of(whatsapp, sms),
                        Set.of("sms"))
                .orElseThrow();

        assertThat(plan.carriedOptOuts()).containsExactly(whatsapp);
    }
}
