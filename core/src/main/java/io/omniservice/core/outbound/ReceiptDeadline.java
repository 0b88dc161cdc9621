package io.omniservice.core.outbound;

import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The fallback on a missing delivery receipt ({@code options.fallback}), decided once for every store: a sent
 * message's job waits until its deadline; then, when neither {@code delivered} nor {@code read} came, the
 * message is sent again as a new message over the next carrier (or only announced); a receipt of the first
 * carrier that comes after that is a duplicate delivery.
 */
public final class ReceiptDeadline {
    /** The carrier status the history records on a message sent again over another carrier. */
    public static final String FALLBACK_SENT = "fallback_sent";
    /** The carrier status the history records on a message whose deadline passed without a second send. */
    public static final String DELIVERY_TIMEOUT = "delivery_timeout";
    /** Who holds the idempotency keys of fallback messages: one fallback per message, however often it runs. */
    static final String FALLBACK_PRINCIPAL = "omniservice:fallback";

    private ReceiptDeadline() {}

    /**
     * The plan a job keeps after {@code carrier} took its message, due again at the deadline; null when the
     * request asked for no fallback (the job ends with the send).
     */
    public static SendPlan waiting(SendPlan plan, CarrierType carrier, String account, Instant sentAt) {
        DeliveryFallback fallback = plan.deliveryFallback();
        if (fallback == null) {
            return null;
        }
        return plan.watching(new DeliveryWatch(carrier, account, sentAt.plusSeconds(fallback.afterSeconds())));
    }

    /** What the deadline does. */
    public sealed interface Verdict {
        /** The carrier reported delivery in time: nothing more. */
        record Delivered() implements Verdict {}

        /** No receipt and the request asked for an event only. */
        record Notify() implements Verdict {}

        /** No receipt: send again over the first of these, in selection order. */
        record Resend(List<CarrierSelector.Candidate> candidates) implements Verdict {}

        /** No receipt, and no other carrier may take the message. */
        record NoCarrier() implements Verdict {}
    }

    /**
     * The verdict for a watched job whose message now shows {@code status}, given what selection offers now.
     * Delivery wins over everything: once the first carrier reported it, nothing is sent again.
     */
    public static Verdict decide(SendPlan watched, MessageStatus status, CarrierSelector.Selection selection) {
        if (status == MessageStatus.DELIVERED || status == MessageStatus.READ) {
            return new Verdict.Delivered();
        }
        DeliveryFallback fallback = watched.deliveryFallback();
        if (fallback.onTimeout() == DeliveryFallback.OnTimeout.NOTIFY) {
            return new Verdict.Notify();
        }
        List<CarrierSelector.Candidate> next =
                selection.isEmpty() ? List.of() : untried(watched, selection.candidates());
        return next.isEmpty() ? new Verdict.NoCarrier() : new Verdict.Resend(next);
    }

    /**
     * The candidates a send of {@code plan} may use: every one for a first send; for a fallback (a watched job,
     * or a message sent as one) those not tried before, and among the fallback's carriers when it names them.
     */
    static List<CarrierSelector.Candidate> untried(SendPlan plan, List<CarrierSelector.Candidate> candidates) {
        List<CarrierType> allowed = plan.deliveryFallback() == null
                ? List.of()
                : plan.deliveryFallback().carriers();
        List<CarrierSelector.Candidate> usable = new ArrayList<>();
        for (CarrierSelector.Candidate candidate : candidates) {
            CarrierType carrier = candidate.route().carrier();
            boolean tried = plan.tried().contains(carrier)
                    || (plan.watch() != null && plan.watch().carrier() == carrier);
            boolean fallbackTarget = plan.fallbackOf() != null || plan.watch() != null;
            if (tried || (fallbackTarget && !allowed.isEmpty() && !allowed.contains(carrier))) {
                continue;
            }
            usable.add(candidate);
        }
        return usable;
    }

    /**
     * The new message a fallback sends: the original's content, conversation and priority, first over
     * {@code next}, skipping every carrier tried so far, with the same fallback for its own receipt. It is
     * accepted under an idempotency key of the original, so a deadline run twice (a crash between the two
     * writes) sends one fallback.
     */
    public static QueuedMessage fallbackMessage(
            SendJob watched, Message original, CarrierRoute next, String messageId, Instant now) {
        SendPlan plan = watched.plan();
        ConversationKey conversation = Recipients.conversationOf(plan.to());
        List<CarrierType> tried = new ArrayList<>(plan.tried());
        tried.add(plan.watch().carrier());
        SendPlan fallbackPlan = new SendPlan(
                plan.to(),
                plan.from(),
                plan.content(),
                plan.templateLanguage(),
                plan.fallbackTemplateId(),
                plan.fallbackTemplateParams(),
                next.carrier(),
                next.carrier(),
                next.account(),
                plan.traceParent(),
                plan.deliveryFallback(),
                null,
                tried,
                watched.messageId(),
                plan.acrossChannels());
        return new QueuedMessage(
                OutboundService.outboundMessage(
                        messageId,
                        conversation,
                        plan.to(),
                        plan.from(),
                        plan.content(),
                        next,
                        now,
                        original.metadata() == null ? null : original.metadata().client(),
                        plan.traceParent()),
                conversation,
                fallbackPlan,
                watched.priority(),
                now,
                watched.expireAt(),
                null,
                new QueuedMessage.IdempotencyKey(FALLBACK_PRINCIPAL, watched.messageId(), FALLBACK_SENT),
                OutboundService.response(messageId, next.carrier(), now, now),
                null);
    }

    /** The id of the fallback message stored: this one, or the one a first run of the deadline stored. */
    static String acceptedId(AcceptResult result, QueuedMessage fallback) {
        if (!(result instanceof AcceptResult.KeyUsed used)) {
            return fallback.message().messageId();
        }
        try {
            return Json.MAPPER.readTree(used.response()).path("messageId").asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the stored answer of a fallback message is not JSON", e);
        }
    }

    /**
     * Whether a status change of {@code message} from {@code previous} to {@code status} is a delivery that
     * came after the message had been sent again over another carrier: the first {@code delivered} or
     * {@code read} of a message whose history records {@link #FALLBACK_SENT}.
     */
    public static boolean duplicateDelivery(Message message, MessageStatus previous, MessageStatus status) {
        boolean delivery = status == MessageStatus.DELIVERED || status == MessageStatus.READ;
        boolean deliveredBefore = previous == MessageStatus.DELIVERED || previous == MessageStatus.READ;
        if (!delivery || deliveredBefore || message.statusHistory() == null) {
            return false;
        }
        for (StatusChange change : message.statusHistory()) {
            if (FALLBACK_SENT.equals(change.carrierStatus())) {
                return true;
            }
        }
        return false;
    }
}
