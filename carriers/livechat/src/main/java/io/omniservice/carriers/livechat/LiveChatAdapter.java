package io.omniservice.carriers.livechat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.JsonBody;
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
 * One LiveChat license's webhooks: authenticated by the body's {@code secret_key}, read by
 * {@link LiveChatPayloadParser}; and, when it has an access token, its sends into chats through {@link LiveChatSender}.
 */
public final class LiveChatAdapter implements CarrierAdapter {
    /**
     * Messages take up to 16 KB of UTF-8 (Agent Chat API v3.5 data structures); files on LiveChat's CDN
     * (10 MB uploads) go as file events, other attachments as links; buttons as rich messages (quick
     * replies, up to 13); no templates or locations.
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true,
            true,
            false,
            true,
            false,
            10L * 1024 * 1024,
            List.of("image/jpeg", "image/png", "image/gif", "application/pdf"),
            16 * 1024);

    private final String account;
    private final LiveChatSecret secret;
    private final LiveChatPayloadParser parser;
    private final LiveChatSender sender;
    private final LiveChatMedia media;

    /** {@code sender} is null for a receive-only account (no access token). */
    LiveChatAdapter(String account, LiveChatSecret secret, LiveChatSender sender, LiveChatMedia media) {
        this.account = account;
        this.secret = secret;
        this.parser = new LiveChatPayloadParser(account);
        this.sender = sender;
        this.media = media;
    }

    @Override
    public CarrierType type() {
        return CarrierType.LIVECHAT;
    }

    @Override
    public String account() {
        return account;
    }

    @Override
    public CarrierCapabilities capabilities() {
        return CAPABILITIES;
    }

    /** File events' CDN URLs fetched as given; outbound files uploaded to that CDN so they go as file events. */
    @Override
    public MediaAccess mediaAccess() {
        return media;
    }

    @Override
    public Optional<CarrierSender> sender() {
        return Optional.ofNullable(sender);
    }

    /**
     * LiveChat's webhooks are JSON of a chat event or a new chat with its first thread: a few KB, and chat
     * messages themselves are capped at 16 KB. 256 KiB holds a new chat with a long opening thread.
     */
    static final long MAX_BODY_BYTES = 256 * 1024;

    @Override
    public long maxBodyBytes() {
        return MAX_BODY_BYTES;
    }

    /** The secret travels inside the JSON body; it is read by streaming, before the body is parsed whole. */
    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        secret.verify(request.body());
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        return parser.parse(json(request));
    }

    private static JsonNode json(WebhookRequest request) throws WebhookRejection {
        JsonNode root = JsonBody.parse(request.body());
        if (!root.isObject()) {
            throw WebhookRejection.malformed("a LiveChat webhook is a JSON object");
        }
        return root;
    }
}
