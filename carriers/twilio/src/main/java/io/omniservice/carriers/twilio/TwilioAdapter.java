package io.omniservice.carriers.twilio;

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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Twilio account's messaging webhooks (incoming messages and status callbacks, POST or GET as
 * configured in the console): {@code X-Twilio-Signature} over the public URL and parameters, the
 * account SID checked against ours, then the fields read by {@link TwilioPayloadParser}. Sends, when the
 * account is configured for them, go through {@link TwilioSender}.
 */
public final class TwilioAdapter implements CarrierAdapter {
    /**
     * Twilio's documented Programmable Messaging limits: a body of up to 1600 characters, up to 10 media
     * totalling 5 MB; JPEG, PNG and GIF are fully supported (resized for the handset), other types are
     * passed through as is. Templates and quick-reply buttons go through Content templates ({@code ContentSid}).
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true, true, true, true, false, 5L * 1024 * 1024, List.of("image/jpeg", "image/png", "image/gif"), 1600);

    /**
     * A messaging webhook is a form of a few dozen short fields: a body of at most 1600 characters and up to
     * 10 media URLs, a few KB in all. 64 KiB leaves room for growth while bounding what an unsigned request
     * costs to read and to hash (the signature covers every parameter, so the form is decoded first).
     */
    static final long MAX_BODY_BYTES = 64 * 1024;

    static final String TWIML_EMPTY_RESPONSE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    private final String account;
    private final String accountSid;
    private final TwilioSignature signature;
    private final TwilioPayloadParser parser;
    private final Optional<CarrierSender> sender;
    private final TwilioMedia media;

    TwilioAdapter(
            String account,
            String accountSid,
            TwilioSignature signature,
            TwilioPayloadParser parser,
            Optional<CarrierSender> sender,
            TwilioMedia media) {
        this.account = account;
        this.accountSid = accountSid;
        this.signature = signature;
        this.parser = parser;
        this.sender = sender;
        this.media = media;
    }

    @Override
    public CarrierType type() {
        return CarrierType.TWILIO;
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
    public long maxBodyBytes() {
        return MAX_BODY_BYTES;
    }

    /** Present when the account names a sender ({@code from}) or a Messaging Service. */
    @Override
    public Optional<CarrierSender> sender() {
        return sender;
    }

    /**
     * {@code MediaUrlN} with basic auth when it is on Twilio's API host, plain elsewhere. Sending needs no upload:
     * Twilio fetches the {@code MediaUrl} we give it (our signed URL).
     */
    @Override
    public MediaAccess mediaAccess() {
        return media;
    }

    /** A webhook configured with HTTP GET carries its parameters in the query and is verified like a POST. */
    @Override
    public Optional<WebhookReply> onGet(WebhookRequest request) {
        return Optional.empty();
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        String header = request.header(TwilioSignature.HEADER);
        if (header == null || header.isBlank()) {
            throw WebhookRejection.unauthorized(TwilioSignature.HEADER + " header is missing");
        }
        String bodyHash = request.queryParam(TwilioSignature.BODY_HASH_PARAMETER);
        Map<String, List<String>> signedParams =
                bodyHash != null || "GET".equals(request.method()) ? Map.of() : FormBody.parse(request.body());
        if (!signature.matches(request.publicUrl(), signedParams, header)) {
            throw WebhookRejection.forbidden(TwilioSignature.HEADER + " does not match this URL and body");
        }
        if (bodyHash != null) {
            byte[] actual = TwilioSignature.bodyHash(request.body()).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(actual, bodyHash.getBytes(StandardCharsets.UTF_8))) {
                throw WebhookRejection.forbidden("the body does not match the signed bodySHA256");
            }
            return;
        }
        // The signature proves the auth token; a webhook of another account using the same token must not land here.
        String payloadAccount = FormBody.first(fields(request), "AccountSid");
        if (payloadAccount == null) {
            throw WebhookRejection.malformed("AccountSid is missing; Twilio sends it with every webhook", "AccountSid");
        }
        if (!MessageDigest.isEqual(
                payloadAccount.getBytes(StandardCharsets.UTF_8), accountSid.getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejection.forbidden("AccountSid is not the account configured for this webhook");
        }
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        if (request.queryParam(TwilioSignature.BODY_HASH_PARAMETER) != null) {
            // Twilio's messaging webhooks are form-encoded; a signed JSON body comes from another Twilio
            // product (Studio, Event Streams, ...) whose events this adapter does not consume.
            JsonBody.parse(request.body());
            return List.of();
        }
        return parser.parse(fields(request), request.receivedAt());
    }

    @Override
    public WebhookReply acknowledge(List<InboundEvent> events) {
        return WebhookReply.text(200, "text/xml", TWIML_EMPTY_RESPONSE);
    }

    private static Map<String, List<String>> fields(WebhookRequest request) throws WebhookRejection {
        if ("GET".equals(request.method())) {
            // Read from the URL rather than request.query(), which does not keep Twilio's parameter order.
            String rawQuery;
            try {
                rawQuery = URI.create(request.publicUrl()).getRawQuery();
            } catch (IllegalArgumentException e) {
                throw WebhookRejection.malformed("the webhook URL's query is not valid");
            }
            return FormBody.parse(rawQuery);
        }
        return FormBody.parse(request.body());
    }
}
