package io.omniservice.carriers.whatsapp;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.outbound.CarrierSender;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Meta app's WhatsApp Cloud API webhooks: the GET subscription handshake, {@code X-Hub-Signature-256}
 * on every POST, and the batched {@code whatsapp_business_account} payloads read by {@link WhatsAppPayloadParser};
 * and, when the account has an access token and a phone number id, its sends through {@link WhatsAppSender}.
 */
public final class WhatsAppAdapter implements CarrierAdapter {
    /**
     * Cloud API limits: text bodies up to 4096 characters; media up to 100 MB (documents; images 5 MB,
     * video and audio 16 MB, stickers 100 KB static / 500 KB animated), one attachment a message; templates,
     * up to three reply buttons, and locations can all be sent ({@link WhatsAppSender} sends each of them).
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true,
            true,
            true,
            true,
            true,
            100L * 1024 * 1024,
            List.of(
                    "image/jpeg",
                    "image/png",
                    "image/webp",
                    "video/mp4",
                    "video/3gpp",
                    "audio/aac",
                    "audio/amr",
                    "audio/mpeg",
                    "audio/mp4",
                    "audio/ogg",
                    "text/plain",
                    "application/pdf",
                    "application/msword",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/vnd.ms-excel",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/vnd.ms-powerpoint",
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            4096,
            // the Cloud API's per-type limits; documents may be up to the 100 MB above
            Map.of("image/", 5L * 1024 * 1024, "video/", 16L * 1024 * 1024, "audio/", 16L * 1024 * 1024));

    private final String account;
    private final WhatsAppSignature signature;
    private final WhatsAppSubscription subscription;
    private final WhatsAppPayloadParser parser;
    private final WhatsAppSender sender;
    private final WhatsAppMedia media;

    /** {@code sender} is null for a receive-only account (no access token or phone number id). */
    WhatsAppAdapter(
            String account,
            WhatsAppSignature signature,
            WhatsAppSubscription subscription,
            WhatsAppPayloadParser parser,
            WhatsAppSender sender,
            WhatsAppMedia media) {
        this.account = account;
        this.signature = signature;
        this.subscription = subscription;
        this.parser = parser;
        this.sender = sender;
        this.media = media;
    }

    @Override
    public CarrierType type() {
        return CarrierType.WHATSAPP;
    }

    @Override
    public String account() {
        return account;
    }

    @Override
    public CarrierCapabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * Meta batches up to a thousand changes in one POST and documents webhook payloads of up to 3 MB (Graph API
     * webhooks guide); the gateway's own {@code server.maxBodyBytes} still applies on top.
     */
    @Override
    public long maxBodyBytes() {
        return 3L * 1024 * 1024;
    }

    @Override
    public Optional<CarrierSender> sender() {
        return Optional.ofNullable(sender);
    }

    /** Media ids looked up on the Graph API and downloaded with the token; files uploaded before a send. */
    @Override
    public MediaAccess mediaAccess() {
        return media;
    }

    /** Meta only GETs the webhook to verify the subscription; that GET never carries events. */
    @Override
    public Optional<WebhookReply> onGet(WebhookRequest request) throws WebhookRejection {
        return Optional.of(subscription.answer(request));
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        signature.verify(request.header(WhatsAppSignature.HEADER), request.body());
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        return parser.parse(request.body(), request.receivedAt());
    }
}
