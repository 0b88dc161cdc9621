package io.omniservice.core.store.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.outbound.DeliveryTimeout;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.ReceiptDeadline;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.outbound.SendPlan;
import java.time.Instant;

/** What the end of a send writes to its message and conversation. */
public final class SendResults {
    /** Our word for a send that every carrier refused, kept for a replay. */
    public static final String DEAD_LETTER = "dead_letter";

    private SendResults() {}

    /**
     * A carrier took the message: it is stored under the carrier's id for it (so that the carrier's callbacks
     * find it, and statuses that came first are taken over) and becomes sent in the carrier's word; its
     * conversation's carrier becomes this one, the carrier a reply should go back through.
     *
     * @param carrierMessageId the carrier's id, or null when another message holds it already: its callbacks
     *     could not be told from the other message's, so they stay unmatched
     * @param sender the number or sender id it went from, the message's sender from now on; null keeps the sender
     *     stored at acceptance
     */
    public record Accepted(
            String messageId,
            String conversationId,
            CarrierType carrier,
            String account,
            String carrierMessageId,
            String sender,
            CarrierType conversationCarrier,
            StatusUpdate report) {}

    /**
     * The writes for {@code sent}; {@code idNamesAnotherMessage}: whether another stored message has the
     * carrier's id for this one already.
     */
    public static Accepted accepted(SendOutcome.Sent sent, boolean idNamesAnotherMessage, Instant now) {
        String carrierMessageId = idNamesAnotherMessage ? null : sent.result().carrierMessageId();
        return new Accepted(
                sent.messageId(),
                sent.conversationId(),
                sent.carrier(),
                sent.account(),
                carrierMessageId,
                sent.from(),
                sent.carrier(),
                StatusReports.own(
                        sent.carrier(),
                        carrierMessageId,
                        MessageStatus.SENT,
                        sent.result().carrierStatus(),
                        null,
                        null,
                        now));
    }

    /**
     * No carrier took the message: it fails with the send's error, in our word: {@link #DEAD_LETTER} when it
     * is kept for a replay, otherwise the error's code.
     */
    public static StatusUpdate failed(SendOutcome.Failed failed, Instant now) {
        return StatusReports.own(
                failed.carrier(),
                null,
                MessageStatus.FAILED,
                failed.deadLetter() ? DEAD_LETTER : failed.errorCode(),
                failed.errorCode(),
                failed.errorMessage(),
                now);
    }

    /** What a passed receipt deadline writes: a history entry on the message, and the event announcing it. */
    public record TimedOut(StatusUpdate report, CommitEvent.DeliveryTimedOut event) {}

    /**
     * The writes for a watch that ended without a receipt ({@code ended.timeout()} not null): the message keeps
     * its status; its history records {@link ReceiptDeadline#FALLBACK_SENT} (what later tells a late receipt
     * for a duplicate) or {@link ReceiptDeadline#DELIVERY_TIMEOUT}, and {@code message.delivery_timeout} goes out.
     */
    public static TimedOut timedOut(SendOutcome.WatchEnded ended, Instant now) {
        DeliveryTimeout timeout = ended.timeout();
        boolean resent = timeout.action() == DeliveryTimeout.Action.FALLBACK_SENT;
        StatusUpdate report = StatusReports.own(
                timeout.carrier(),
                null,
                MessageStatus.SENT,
                resent ? ReceiptDeadline.FALLBACK_SENT : ReceiptDeadline.DELIVERY_TIMEOUT,
                null,
                resent
                        ? "no receipt in " + timeout.afterSeconds() + " s; sent again as " + timeout.fallbackMessageId()
                                + " over " + timeout.fallbackCarrier().wireName()
                        : "no receipt in " + timeout.afterSeconds() + " s",
                now);
        return new TimedOut(
                report,
                new CommitEvent.DeliveryTimedOut(
                        ended.messageId(),
                        ended.conversationId(),
                        timeout.carrier(),
                        timeout.afterSeconds(),
                        timeout.action(),
                        timeout.fallbackMessageId(),
                        timeout.fallbackCarrier(),
                        now));
    }

    /**
     * A failed send kept for a replay, as its dead letter holds it: the payload the API shows (the send's plan),
     * how many carrier calls it made and its last error.
     */
    public record DeadSend(ObjectNode payload, int attempts, String lastError) {}

    /** The dead letter of a send every carrier refused ({@code failed.deadLetter()}). */
    public static DeadSend deadLetter(SendOutcome.Failed failed) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("plan", Json.MAPPER.valueToTree(failed.plan()));
        return new DeadSend(payload, failed.attempts().size(), failed.errorCode() + ": " + failed.errorMessage());
    }

    /** The priority a replayed send is queued with (due at once, with no expiry): a person asked for it now. */
    public static final Priority REPLAY_PRIORITY = Priority.NORMAL;

    /**
     * The plan a dead send's payload holds, to queue it again.
     *
     * @throws IllegalArgumentException when the payload holds no plan
     */
    public static SendPlan replayedPlan(JsonNode payload) {
        JsonNode plan = payload == null ? null : payload.get("plan");
        if (plan == null || plan.isNull()) {
            throw new IllegalArgumentException("the dead letter's payload holds no send plan");
        }
        return Json.MAPPER.convertValue(plan, SendPlan.class);
    }
}
