package io.omniservice.carriers.messagebird;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.JsonBody;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.outbound.CarrierSender;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One MessageBird account: SMS to virtual mobile numbers and SMS status reports (GET query or POST form),
 * and Conversations API webhooks (JSON), all signed with {@link MessageBirdSignature}. Sends, when the
 * account is configured for them, go through {@link MessageBirdSender}.
 */
public final class MessageBirdAdapter implements CarrierAdapter {
    /**
     * The SMS body limit of MessageBird's API (1377 characters: nine concatenated GSM-7 parts); media limits
     * follow WhatsApp, the main media channel behind the Conversations API.
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true,
            true,
            true,
            false,
            true,
            16L * 1024 * 1024,
            List.of("image/jpeg", "image/png", "video/mp4", "audio/mpeg", "audio/ogg", "application/pdf"),
            1377);

    private final String account;
    private final MessageBirdSignature signature;
    private final MessageBirdSmsParser sms;
    private final MessageBirdConversationsParser conversations;
    private final Optional<CarrierSender> sender;
    private final MessageBirdMedia media;

    MessageBirdAdapter(
            String account, MessageBirdSignature signature, Optional<CarrierSender> sender, MessageBirdMedia media) {
        this.account = account;
        this.signature = signature;
        this.sender = sender;
        this.media = media;
        this.sms = new MessageBirdSmsParser(account);
        this.conversations = new MessageBirdConversationsParser(account);
    }

    @Override
    public CarrierType type() {
        return CarrierType.MESSAGEBIRD;
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
     * An SMS webhook is a handful of short fields; a Conversations webhook is one message with its contact and
     * conversation, a few KB. 256 KiB covers rich content (interactive, HSM) with room to spare.
     */
    @Override
    public long maxBodyBytes() {
        return 256 * 1024;
    }

    /** Present when the account has an access key and an originator or Conversations channel. */
    @Override
    public Optional<CarrierSender> sender() {
        return sender;
    }

    /** Media on MessageBird's media host with the access key, other hosts plain; no upload before a send. */
    @Override
    public MediaAccess mediaAccess() {
        return media;
    }

    /** MessageBird delivers inbound SMS and status reports as signed GETs: they go through verify and parse. */
    @Override
    public Optional<WebhookReply> onGet(WebhookRequest request) {
        return Optional.empty();
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        signature.verify(request.header(MessageBirdSignature.HEADER), request.publicUrl(), request.body());
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        if ("GET".equals(request.method())) {
            return sms.parse(queryFields(request), request.receivedAt());
        }
        if (request.body().length == 0) {
            throw WebhookRejection.malformed("the request has no body");
        }
        if (isJson(request)) {
            return conversations.parse(JsonBody.parse(request.body()), request.receivedAt());
        }
        return sms.parse(FormBody.parse(request.body()), request.receivedAt());
    }

    /** The query in the order MessageBird wrote it, so the kept original payload reads as sent. */
    private static Map<String, List<String>> queryFields(WebhookRequest request) throws WebhookRejection {
        String rawQuery;
        try {
            rawQuery = URI.create(request.publicUrl()).getRawQuery();
        } catch (IllegalArgumentException e) {
            rawQuery = null;
        }
        return rawQuery != null ? FormBody.parse(rawQuery) : new TreeMap<>(request.query());
    }

    private static boolean isJson(WebhookRequest request) {
        String type = request.contentType();
        if (type.equals("application/json") || type.endsWith("+json")) {
            return true;
        }
        if (!type.isEmpty()) {
            return false;
        }
        for (byte b : request.body()) {
            if (!Character.isWhitespace(b)) {
                return b == '{' || b == '[';
            }
        }
        return false;
    }
}
