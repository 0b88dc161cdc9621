package io.omniservice.core.outbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Accepts outbound requests: refuses what cannot be sent now (opted-out recipient, no carrier able to
 * carry it), picks the first carrier, stores the message as queued with its send job in one
 * transaction, and wakes the dispatcher. The send itself happens after the answer.
 */
public final class OutboundService {
    private final OutboundStore store;
    private final CarrierSelector selector;
    private final Clock clock;
    private final SendHandoff handoff;
    private final Recipients recipients;
    private final MediaPipeline media;
    private final Tracing tracing;

    /**
     * @param media fetches, checks and stores a request's {@code mediaUrl} before it is accepted
     * @param contacts the recipients' other identities, for requests that may go across channels
     * @param tracing the commit is a span, and the message keeps the request's trace for its send
     */
    public OutboundService(
            OutboundStore store,
            CarrierSelector selector,
            Clock clock,
            SendHandoff handoff,
            MediaPipeline media,
            io.omniservice.core.contact.Contacts contacts,
            Tracing tracing) {
        this.tracing = tracing;
        this.media = media;
        this.store = store;
        this.recipients = new Recipients(store, contacts);
        this.selector = selector;
        this.clock = clock;
        this.handoff = handoff;
    }

    /**
     * Fetches and checks a media request's files before it is accepted (after the idempotency check, so a
     * repeat gets its first answer even if its URL no longer works), so a URL that may not be fetched (a
     * private address), cannot be, or holds a file no one takes is answered now with the reason.
     */
    private OutboundRequest withStoredMedia(OutboundRequest request) throws OutboundRefusal {
        if (!(request.content() instanceof MessageContent.Media attachments) || media == MediaPipeline.NONE) {
            return request;
        }
        List<MediaItem> stored = new ArrayList<>(attachments.items().size());
        for (MediaItem item : attachments.items()) {
            try {
                stored.add(media.ingest(item));
            } catch (MediaPipeline.MediaRefusal refusal) {
                throw new OutboundRefusal(refusal.code(), refusal.getMessage());
            }
        }
        return request.withContent(new MessageContent.Media(attachments.body(), stored));
    }

    /** The idempotency key of a request: who sent it, the key, and a digest of the body. */
    public record Idempotency(String principal, String key, String requestHash) {}

    /** The 202 answer's body (stored with an idempotency key, so a repeat gets the same bytes). */
    public record Accepted(String response, boolean replayed) {}

    public Accepted accept(OutboundRequest request, Idempotency idempotency) throws OutboundRefusal {
        return accept(request, idempotency, false);
    }

    /**
     * Accepts a compliance notice: the confirmation of an opt-out, or the answer to HELP. Those are the
     * messages an opt-out must not stop (the customer has just opted out, or asks what they opted into).
     */
    public Accepted acceptComplianceNotice(OutboundRequest request, Idempotency idempotency) throws OutboundRefusal {
        return accept(request, idempotency, true);
    }

    private Accepted accept(OutboundRequest request, Idempotency idempotency, boolean notice) throws OutboundRefusal {
        if (idempotency != null) {
            Optional<AcceptResult.KeyUsed> used =
                    store.idempotentAnswer(idempotency.principal(), idempotency.key(), idempotency.requestHash());
            if (used.isPresent()) {
                return repeat(used.get());
            }
        }
        request = withStoredMedia(request);
        Instant now = clock.instant();
        ConversationKey conversation = Recipients.conversationOf(request.to());
        SendPlan plan = new SendPlan(
                request.to(),
                request.from(),
                request.content(),
                request.templateLanguage(),
                request.fallbackTemplateId(),
                request.fallbackTemplateParams(),
                request.preferredCarrier(),
                null,
                null,
                null,
                request.deliveryFallback(),
                null,
                List.of(),
                null,
                request.acrossChannels() ? Boolean.TRUE : null);
        RecipientFacts facts = recipients.facts(request.to());
        if (notice) {
            facts = new RecipientFacts(facts.lastCarrier(), java.util.Set.of(), facts.lastWhatsAppInbound());
        }
        CarrierSelector.Selection selection =
                selector.select(plan, Recipients.recipient(facts, now), recipients.alternatives(plan, facts, now));
        if (selection.isEmpty()) {
            throw new OutboundRefusal(selection.refusal(), selection.detail());
        }
        CarrierRoute first = selection.candidates().getFirst().route();
        // the request's span (or the workflow step's, for an automatic reply): the send continues its trace
        String traceParent = Tracing.currentTraceParent();
        plan = plan.selecting(first.carrier(), first.account(), traceParent);
        String messageId = MessageIds.next(clock);
        Instant notBefore =
                request.scheduledAt() != null && request.scheduledAt().isAfter(now) ? request.scheduledAt() : now;
        NormalizedMessage message = outboundMessage(
                messageId,
                conversation,
                request.to(),
                request.from(),
                request.content(),
                first,
                now,
                request.client(),
                traceParent);
        String response = response(messageId, first.carrier(), now, notBefore);
        QueuedMessage queued = new QueuedMessage(
                message,
                conversation,
                plan,
                request.priority(),
                notBefore,
                request.expireAt(),
                request.callbackUrl(),
                idempotency == null
                        ? null
                        : new QueuedMessage.IdempotencyKey(
                                idempotency.principal(), idempotency.key(), idempotency.requestHash()),
                response,
                notBefore.isAfter(now) ? null : handoff.reserve());
        AcceptResult result;
        Span span = tracing.span("commit")
                .setAttribute(Tracing.MESSAGE_ID, messageId)
                .setAttribute(Tracing.CONVERSATION_ID, conversation.conversationId())
                .setAttribute(Tracing.CARRIER, first.carrier().wireName())
                .startSpan();
        try (Tracing.Active active = Tracing.activate(span, messageId)) {
            try {
                result = store.accept(queued);
            } catch (RuntimeException notStored) {
                active.failed(notStored);
                if (queued.lease() != null) {
                    handoff.cancel(queued.lease());
                }
                throw notStored;
            }
        }
        if (result instanceof AcceptResult.KeyUsed used) {
            if (queued.lease() != null) {
                handoff.cancel(queued.lease());
            }
            // another request with the same key was stored between our lookup and our write
            return repeat(used);
        }
        if (queued.lease() == null) {
            // no room here: the dispatcher leases it from the store once a send ends. A scheduled one is found by
            // its poll when due; waking it now would only look for it early, and a campaign scheduled ahead would
            // make it read every waiting job once per request.
            if (!notBefore.isAfter(now)) {
                handoff.wake();
            }
        } else {
            handoff.handOff(new SendJob(
                    messageId,
                    conversation.conversationId(),
                    plan,
                    request.priority(),
                    request.expireAt(),
                    1,
                    queued.lease().until(),
                    facts));
        }
        return new Accepted(response, false);
    }

    private static Accepted repeat(AcceptResult.KeyUsed used) throws OutboundRefusal {
        if (!used.sameRequest()) {
            throw new OutboundRefusal(
                    "idempotency_key_reused", "this Idempotency-Key was used before with a different request body");
        }
        return new Accepted(used.response(), true);
    }

    /**
     * An outbound message as it is stored when accepted: queued for {@code first}, the carrier chosen first,
     * in the trace {@code traceParent} (null for none).
     */
    static NormalizedMessage outboundMessage(
            String messageId,
            ConversationKey conversation,
            String to,
            String from,
            MessageContent content,
            CarrierRoute first,
            Instant now,
            String client,
            String traceParent) {
        return new NormalizedMessage(
                messageId,
                conversation.conversationId(),
                Direction.OUTBOUND,
                new Sender(
                        from != null && from.startsWith("+") ? from : null,
                        from != null ? from : first.account(),
                        null),
                to,
                content,
                new MessageMetadata(
                        first.carrier(),
                        first.account(),
                        null,
                        null,
                        null,
                        now,
                        null,
                        null,
                        client,
                        null,
                        traceParent));
    }

    static String response(String messageId, CarrierType carrier, Instant now, Instant notBefore) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("messageId", messageId);
        body.put("status", "queued");
        body.put("carrier", carrier.wireName());
        body.put("timestamp", now.toString());
        body.put("estimatedDeliveryTime", notBefore.toString());
        return Json.text(body);
    }
}
