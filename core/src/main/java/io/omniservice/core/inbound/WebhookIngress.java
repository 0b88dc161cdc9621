package io.omniservice.core.inbound;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.InboundEvent.Unreadable;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound pipeline for one webhook, independent of any HTTP framework: find the carrier account,
 * verify the carrier's authentication on the raw bytes, normalize, commit durably, then acknowledge.
 * Nothing is stored unless every step before the commit succeeded.
 */
public final class WebhookIngress {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookIngress.class);
    private static final Logger SECURITY = LoggerFactory.getLogger("omniservice.security");

    private final CarrierRegistry carriers;
    private final MessageStore store;
    private final Clock clock;
    private final Tracing tracing;

    public WebhookIngress(CarrierRegistry carriers, MessageStore store, Clock clock) {
        this(carriers, store, clock, Tracing.OFF);
    }

    /** With {@code tracing}: the commit is a span, and each message keeps the webhook's trace for its later stages. */
    public WebhookIngress(CarrierRegistry carriers, MessageStore store, Clock clock, Tracing tracing) {
        this.carriers = carriers;
        this.store = store;
        this.clock = clock;
        this.tracing = tracing;
    }

    /** What a webhook comes to before anything is stored: an answer already, or events to commit. */
    public sealed interface Decision {
        /** Answer now: a handshake, or a refusal (nothing is stored). */
        record Answer(WebhookReply reply) implements Decision {}

        /** Verified and parsed: commit these, then answer with the adapter's acknowledgement. */
        record Accept(List<InboundEvent> events) implements Decision {}
    }

    /** Handles a webhook for {@code carrier} (wire name) and {@code account} (null for the default one). */
    public WebhookReply handle(String carrier, String account, WebhookRequest request) {
        Optional<CarrierAdapter> found = carriers.find(carrier, account);
        if (found.isEmpty()) {
            return error(new ApiError(404, "unknown_carrier", "no carrier account is configured at this URL"));
        }
        CarrierAdapter adapter = found.get();
        return switch (decide(adapter, request)) {
            case Decision.Answer answer -> answer.reply();
            case Decision.Accept accept -> commitThenAcknowledge(adapter, accept.events(), request);
        };
    }

    /**
     * The most body bytes worth reading for a webhook to this carrier account: the adapter's own limit, or
     * nothing at all when no account is configured there (the answer is 404 whatever the body).
     */
    public long maxBodyBytes(String carrier, String account) {
        return carriers.find(carrier, account).map(CarrierAdapter::maxBodyBytes).orElse(0L);
    }

    /**
     * Handshake, authentication and parsing for one adapter, then {@link InboundLimits} on what was read;
     * touches no storage.
     */
    public static Decision decide(CarrierAdapter adapter, WebhookRequest request) {
        try {
            // The HTTP layer refuses these before reading them; this holds for any other way a request arrives.
            if (request.body().length > adapter.maxBodyBytes()) {
                throw WebhookRejection.tooLarge(adapter.maxBodyBytes());
            }
            if ("GET".equals(request.method())) {
                Optional<WebhookReply> handshake = adapter.onGet(request);
                if (handshake.isPresent()) {
                    return new Decision.Answer(handshake.get());
                }
            }
            adapter.verify(request);
            List<InboundEvent> events = InboundLimits.fit(adapter.parse(request));
            refuseIfNothingReadable(events);
            return new Decision.Accept(events);
        } catch (WebhookRejection rejection) {
            Logger log = rejection.isAuthenticationFailure() ? SECURITY : LOG;
            log.warn(
                    "webhook refused carrier={} account={} status={} reason={}",
                    adapter.type().wireName(),
                    adapter.account(),
                    rejection.status(),
                    rejection.getMessage());
            return new Decision.Answer(error(
                    new ApiError(rejection.status(), rejection.code(), rejection.getMessage(), rejection.field())));
        }
    }

    /**
     * A webhook whose every event is unreadable held nothing that could be stored as the carrier describes
     * it: it is refused with the first one's reason (the carrier's retry would fare no better). One that
     * also holds readable events stores them, and the unreadable ones as {@code unsupported} messages.
     */
    private static void refuseIfNothingReadable(List<InboundEvent> events) throws WebhookRejection {
        if (!events.isEmpty() && events.stream().allMatch(e -> e instanceof Unreadable)) {
            Unreadable first = (Unreadable) events.get(0);
            throw "field_too_long".equals(first.code())
                    ? WebhookRejection.tooLong(first.field(), first.reason())
                    : WebhookRejection.malformed(first.reason(), first.field());
        }
        for (InboundEvent event : events) {
            if (event instanceof Unreadable u) {
                LOG.warn(
                        "webhook message kept as unsupported carrier={} account={} id={} reason={} field={}",
                        u.carrier().wireName(),
                        u.account(),
                        u.carrierMessageId(),
                        u.reason(),
                        u.field());
            }
        }
    }

    private WebhookReply commitThenAcknowledge(
            CarrierAdapter adapter, List<InboundEvent> events, WebhookRequest request) {
        InboundBatch batch = normalize(events, request, Tracing.currentTraceParent());
        if (!batch.isEmpty()) {
            Span span = tracing.span("commit")
                    .setAttribute(Tracing.CARRIER, adapter.type().wireName())
                    .setAttribute("omniservice.messages", batch.messages().size())
                    .setAttribute("omniservice.statuses", batch.statuses().size())
                    .startSpan();
            String messageId = batch.messages().size() == 1
                    ? batch.messages().getFirst().message().messageId()
                    : null;
            if (messageId != null) {
                span.setAttribute(Tracing.MESSAGE_ID, messageId);
            }
            try (Tracing.Active active = Tracing.activate(span, messageId)) {
                try {
                    store.commit(batch);
                } catch (RuntimeException storageFailure) {
                    active.failed(storageFailure);
                    // Not the carrier's fault: 503 makes it retry, and the failed transaction left nothing behind.
                    LOG.error("webhook not stored carrier={}", adapter.type().wireName(), storageFailure);
                    return error(
                            new ApiError(503, "storage_unavailable", "the message could not be stored; retry later"));
                }
            }
        }
        return adapter.acknowledge(events);
    }

    /** @param traceParent the webhook's trace, which each message's later stages continue; null for none */
    private InboundBatch normalize(List<InboundEvent> events, WebhookRequest request, String traceParent) {
        List<InboundBatch.NewMessage> messages = new ArrayList<>();
        List<StatusUpdate> statuses = new ArrayList<>();
        for (InboundEvent event : events) {
            switch (event) {
                case InboundMessage m -> {
                    var key = m.conversationKey();
                    var metadata = new MessageMetadata(
                            m.carrier(),
                            m.account(),
                            m.carrierMessageId(),
                            m.sentAt(),
                            m.replyTo(),
                            request.receivedAt(),
                            clock.instant(),
                            m.originalPayload(),
                            null,
                            m.group(),
                            traceParent);
                    var normalized = new NormalizedMessage(
                            MessageIds.next(clock),
                            key.conversationId(),
                            Direction.INBOUND,
                            m.sender(),
                            m.recipient(),
                            m.content(),
                            metadata);
                    messages.add(new InboundBatch.NewMessage(
                            normalized, key, m.alias().orElse(null)));
                }
                case Unreadable u -> {
                    var key = u.conversationKey();
                    var metadata = new MessageMetadata(
                            u.carrier(),
                            u.account(),
                            u.carrierMessageId(),
                            null,
                            null,
                            request.receivedAt(),
                            clock.instant(),
                            u.originalPayload(),
                            null,
                            null,
                            traceParent);
                    var normalized = new NormalizedMessage(
                            MessageIds.next(clock),
                            key.conversationId(),
                            Direction.INBOUND,
                            u.sender(),
                            u.recipient(),
                            new MessageContent.Unsupported(null, u.reason(), u.field()),
                            metadata);
                    messages.add(new InboundBatch.NewMessage(normalized, key, null));
                }
                case StatusUpdate s -> statuses.add(s);
            }
        }
        return new InboundBatch(messages, statuses);
    }

    private static WebhookReply error(ApiError error) {
        return new WebhookReply(error.status(), "application/json", error.toJson());
    }
}
