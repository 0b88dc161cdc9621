package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.store.plan.CommitEvent.MessageStatusChanged;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusReportsTest {
    private static final Instant T1 = Instant.parse("2025-03-01T10:00:01Z");
    private static final Instant T2 = Instant.parse("2025-03-01T10:00:02Z");
    private static final Instant T3 = Instant.parse("2025-03-01T10:00:03Z");

    private static StatusUpdate report(MessageStatus status, String word, Instant at) {
        return new StatusUpdate(CarrierType.TWILIO, "default", "SM1", status, word, null, null, at, null, null);
    }

    private static StatusUpdate failure(String code, Instant at) {
        return new StatusUpdate(
                CarrierType.TWILIO, "default", "SM1", MessageStatus.FAILED, "undelivered", code, "why", at, null, null);
    }

    @Test
    void aReportThatMovesTheStatusIsAnEventNamingItsCause() {
        MessageProgress sent = MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.SENT, T1, null, null);

        StatusReports.Applied applied =
                StatusReports.apply("m1", "c1", sent, report(MessageStatus.DELIVERED, "delivered", T2));

        assertThat(applied.changed()).isTrue();
        assertThat(applied.after().status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(applied.events())
                .containsExactly(new MessageStatusChanged(
                        "m1",
                        "c1",
                        CarrierType.TWILIO,
                        "SM1",
                        MessageStatus.SENT,
                        MessageStatus.DELIVERED,
                        "delivered",
                        null,
                        null,
                        T2));
    }

    @Test
    void aLateStepIsWrittenButIsNoEvent() {
        MessageProgress delivered =
                MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.DELIVERED, T2, null, null);

        StatusReports.Applied applied =
                StatusReports.apply("m1", "c1", delivered, report(MessageStatus.SENT, "sent", T1));

        assertThat(applied.changed()).isTrue();
        assertThat(applied.after().sentAt()).isEqualTo(T1);
        assertThat(applied.events()).isEmpty();
    }

    @Test
    void aRepeatChangesNothing() {
        MessageProgress sent = MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.SENT, T1, null, null);

        StatusReports.Applied applied = StatusReports.apply("m1", "c1", sent, report(MessageStatus.SENT, "sent", T1));

        assertThat(applied.changed()).isFalse();
        assertThat(applied.events()).isEmpty();
    }

    @Test
    void statusesThatCameFirstShowAsOneChangeFromTheInitialStatus() {
        List<StatusUpdate> history = List.of(
                report(MessageStatus.SENT, "sent", T1),
                report(MessageStatus.DELIVERED, "delivered", T2),
                report(MessageStatus.SENT, "sent", T3));

        StatusReports.Applied applied = StatusReports.arrivedEarlier("m1", "c1", Direction.OUTBOUND, history);

        assertThat(applied.before()).isEqualTo(MessageProgress.initial(Direction.OUTBOUND));
        assertThat(applied.after()).isEqualTo(new MessageProgress(MessageStatus.DELIVERED, T1, T2, null, null, null));
        // one event, queued > delivered, caused by the last report that changed anything (not the late "sent")
        assertThat(applied.events()).singleElement().satisfies(e -> {
            assertThat(e.previousStatus()).isEqualTo(MessageStatus.QUEUED);
            assertThat(e.status()).isEqualTo(MessageStatus.DELIVERED);
            assertThat(e.carrierStatus()).isEqualTo("delivered");
            assertThat(e.occurredAt()).isEqualTo(T2);
        });
    }

    @Test
    void statusesThatCameFirstButChangeNothingWriteNothing() {
        // an inbound message never fails: a failure report that came first leaves it as it is stored
        StatusReports.Applied applied =
                StatusReports.arrivedEarlier("m1", "c1", Direction.INBOUND, List.of(failure("1", T1)));

        assertThat(applied.changed()).isFalse();
        assertThat(applied.events()).isEmpty();
    }

    @Test
    void statusesThatCameFirstMayOnlyFillInATime() {
        // an inbound message only moves to read: a "delivered" that came first tells when, but is no event
        StatusReports.Applied applied = StatusReports.arrivedEarlier(
                "m1", "c1", Direction.INBOUND, List.of(report(MessageStatus.DELIVERED, "delivered", T1)));

        assertThat(applied.changed()).isTrue();
        assertThat(applied.after()).isEqualTo(new MessageProgress(MessageStatus.RECEIVED, null, T1, null, null, null));
        assertThat(applied.events()).isEmpty();
    }

    @Test
    void theCauseOfTheChangeIsTheLastReportThatChangedAnything() {
        StatusReports.Applied applied = StatusReports.arrivedEarlier(
                "m1",
                "c1",
                Direction.INBOUND,
                List.of(
                        report(MessageStatus.READ, "read", T1),
                        failure("1", T2),
                        report(MessageStatus.DELIVERED, "delivered", T3)));

        assertThat(applied.after().status()).isEqualTo(MessageStatus.READ);
        assertThat(applied.events()).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(MessageStatus.READ);
            assertThat(e.carrierStatus()).isEqualTo("delivered");
            assertThat(e.occurredAt()).isEqualTo(T3);
        });
    }

    @Test
    void aReplayedHistoryIsOneEventPerMove() {
        MessageProgress sent = MessageProgress.initial(Direction.OUTBOUND).apply(MessageStatus.SENT, T2, null, null);
        List<StatusUpdate> history = List.of(
                report(MessageStatus.DELIVERED, "delivered", T1),
                report(MessageStatus.SENT, "sent", T2),
                report(MessageStatus.READ, "read", T3));

        StatusReports.Applied applied = StatusReports.replay("m1", "c1", sent, history);

        assertThat(applied.after()).isEqualTo(new MessageProgress(MessageStatus.READ, T2, T1, T3, null, null));
        assertThat(applied.events())
                .extracting(e -> e.previousStatus() + ">" + e.status())
                .containsExactly("SENT>DELIVERED", "DELIVERED>READ");
    }

    @Test
    void aHistoryIsAppliedInTheOrderItHappenedTiesInTheOrderRecorded() {
        StatusUpdate delivered = report(MessageStatus.DELIVERED, "delivered", T2);
        StatusUpdate sent = report(MessageStatus.SENT, "sent", T1);
        StatusUpdate failedSameTime = failure("1", T2);

        assertThat(StatusReports.inOrder(List.of(delivered, failedSameTime, sent)))
                .containsExactly(sent, delivered, failedSameTime);
        // recorded delivered-then-sent, it happened sent-then-delivered: delivered is the cause of the change
        assertThat(StatusReports.arrivedEarlier("m1", "c1", Direction.OUTBOUND, List.of(delivered, sent))
                        .events())
                .singleElement()
                .satisfies(e -> assertThat(e.carrierStatus()).isEqualTo("delivered"));
    }

    @Test
    void ourOwnStatusIsAReportInOurWords() {
        StatusUpdate own = StatusReports.own(
                CarrierType.BANDWIDTH, null, MessageStatus.FAILED, "dead_letter", "all_failed", "no carrier", T1);

        assertThat(own.carrierMessageId()).isEmpty();
        assertThat(own.account()).isEqualTo("-");
        MessageStatusChanged event = StatusReports.apply("m1", "c1", MessageProgress.initial(Direction.OUTBOUND), own)
                .events()
                .getFirst();
        // an unsent message has no carrier id to name
        assertThat(event.carrierMessageId()).isNull();
        assertThat(event.carrierStatus()).isEqualTo("dead_letter");
        assertThat(event.errorCode()).isEqualTo("all_failed");
    }
}
