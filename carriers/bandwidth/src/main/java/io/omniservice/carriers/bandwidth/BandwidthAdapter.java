package io.omniservice.carriers.bandwidth;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.outbound.CarrierSender;
import java.util.List;
import java.util.Optional;

/**
 * One Bandwidth messaging application's callbacks: HTTP basic auth with the application's callback
 * credentials, then the JSON array of events read by {@link BandwidthPayloadParser}; and, when the account has
 * API credentials, its {@link BandwidthSender}.
 */
public final class BandwidthAdapter implements CarrierAdapter {
    /**
     * SMS/MMS: text up to 2048 characters per message (Bandwidth's createMessage limit); MMS media as URLs.
     * The 3.5 MB media total and the type list are the usual US MMS limits, not yet confirmed against
     * Bandwidth's own pages: the outbound media work must check them. No templates, interactive content or
     * locations over SMS/MMS.
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true,
            true,
            false,
            false,
            false,
            3_500_000L,
            List.of(
                    "image/jpeg",
                    "image/png",
                    "image/gif",
                    "video/mp4",
                    "video/3gpp",
                    "audio/mpeg",
                    "audio/amr",
                    "audio/mp4",
                    "text/vcard",
                    "application/pdf"),
            2048);

    private final String account;
    private final BandwidthCallbackAuth auth;
    private final BandwidthPayloadParser parser;
    private final Optional<CarrierSender> sender;
    private final BandwidthMedia media;

    BandwidthAdapter(
            String account,
            BandwidthCallbackAuth auth,
            BandwidthPayloadParser parser,
            Optional<CarrierSender> sender,
            BandwidthMedia media) {
        this.account = account;
        this.auth = auth;
        this.parser = parser;
        this.sender = sender;
        this.media = media;
    }

    /**
     * A callback is an array of a few events (one per number of ours in a group message), each with a text of at
     * most 2048 characters and media URLs: a few KB. 256 KiB leaves ample room.
     */
    @Override
    public long maxBodyBytes() {
        return 256 * 1024;
    }

    @Override
    public CarrierType type() {
        return CarrierType.BANDWIDTH;
    }

    @Override
    public String account() {
        return account;
    }

    @Override
    public CarrierCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Optional<CarrierSender> sender() {
        return sender;
    }

    /** Media on the Messaging API host with the API user's basic auth, other hosts plain; no upload before a send. */
    @Override
    public MediaAccess mediaAccess() {
        return media;
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        auth.verify(request.header("Authorization"));
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        return parser.parse(request.body(), request.receivedAt());
    }
}
