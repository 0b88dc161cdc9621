package io.omniservice.core.carrier;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import java.util.List;
import java.util.Optional;

/**
 * One configured account of one carrier: the seed's {@code CarrierAdapter}. This is its inbound half
 * (validateWebhook → {@link #verify}, parseInboundMessage and parseStatusCallback → {@link #parse},
 * since carriers post both to the same URL); the outbound half (format, send, status) joins it with the
 * outbound pipeline through {@link #sender()}. Implementations are immutable and thread-safe; one instance serves all requests.
 */
public interface CarrierAdapter {
    CarrierType type();

    String account();

    CarrierCapabilities capabilities();

    /** What a body may weigh when no adapter says otherwise: 1 MiB, far above any carrier's webhook. */
    long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    /**
     * The largest webhook body this carrier sends. A bigger one is answered 413 before it is read in full,
     * verified or parsed, so an unauthenticated request costs at most this much.
     */
    default long maxBodyBytes() {
        return DEFAULT_MAX_BODY_BYTES;
    }

    /**
     * Checks the carrier's own authentication on the raw request, comparing in constant time.
     *
     * @throws WebhookRejection 401 when credentials are missing, 403 when they are wrong, stale or replayed
     */
    void verify(WebhookRequest request) throws WebhookRejection;

    /**
     * Reads a verified request into zero or more events, in the order the carrier gave them.
     *
     * @throws WebhookRejection 400 when the payload is not what this carrier sends
     */
    List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection;

    /** The body the carrier expects once the events are durably stored (empty TwiML for Twilio, ...). */
    default WebhookReply acknowledge(List<InboundEvent> events) {
        return WebhookReply.empty();
    }

    /**
     * The outbound half, when this account is configured to send (credentials and a sender number or
     * channel); empty for a receive-only account, which carrier selection then never picks.
     */
    default Optional<io.omniservice.core.outbound.CarrierSender> sender() {
        return Optional.empty();
    }

    /**
     * How this account's media is fetched (with which credentials, after which lookup) and, where the
     * carrier wants it, uploaded before a send. By default attachments are public URLs.
     */
    default MediaAccess mediaAccess() {
        return MediaAccess.PUBLIC;
    }

    /**
     * A GET on the webhook URL. A carrier with a subscription handshake (Meta's) answers it here; an empty
     * result means the GET carries a webhook in its query and goes through {@link #verify} and
     * {@link #parse} like a POST. By default carriers do not send GETs.
     */
    default Optional<WebhookReply> onGet(WebhookRequest request) throws WebhookRejection {
        throw WebhookRejection.methodNotAllowed("GET");
    }
}
