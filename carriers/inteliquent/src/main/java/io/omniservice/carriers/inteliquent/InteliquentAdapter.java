package io.omniservice.carriers.inteliquent;

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
 * One Inteliquent message broker account's inbound webhook: the {@code MessageId} /
 * {@code VerificationToken} header pair, then the JSON body read by {@link InteliquentPayloadParser}.
 * The MessageId is the carrier message id, so a replayed header pair with another body is deduplicated.
 * When the account has an outbound key and sender number, its {@link InteliquentSender} sends.
 */
public final class InteliquentAdapter implements CarrierAdapter {
    /**
     * SMS and MMS on North American numbers; no templates, interactive content or locations. The media
     * limit and text length are not published by Inteliquent in any source found: these are conservative
     * US MMS/SMS figures (1 MB, 1600 characters) for the outbound work to confirm.
     */
    private static final CarrierCapabilities CAPABILITIES = new CarrierCapabilities(
            true,
            true,
            false,
            false,
            false,
            1_000_000L,
            List.of("image/jpeg", "image/png", "image/gif", "video/mp4", "audio/mpeg", "text/vcard"),
            1600);

    private final String account;
    private final InteliquentVerificationToken token;
    private final InteliquentPayloadParser parser;
    private final Optional<CarrierSender> sender;

    InteliquentAdapter(
            String account,
            InteliquentVerificationToken token,
            InteliquentPayloadParser parser,
            Optional<CarrierSender> sender) {
        this.account = account;
        this.token = token;
        this.parser = parser;
        this.sender = sender;
    }

    /**
     * The MessageId header: a UUID in what we know of the broker, but Inteliquent documents it thinly, so any
     * id of letters, digits and dashes up to 64 characters passes; what it keeps out is what could not be an
     * id at all, and lengths past the stored column.
     */
    static final int MAX_MESSAGE_ID = 64;

    static final java.util.regex.Pattern MESSAGE_ID = java.util.regex.Pattern.compile("[0-9A-Za-z-]{1,64}");

    @Override
    public CarrierType type() {
        return CarrierType.INTELIQUENT;
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

    /**
     * The webhook's {@code mediaUrls} are fetched as given, without credentials. Inteliquent documents no
     * authentication for them (nothing found in its public Services API material; searched for this change), and
     * the only key we hold is the outbound API key of {@code publishMessages}, a bearer for sending that must not
     * travel to whatever host a media URL names. Sending uploads nothing: the broker fetches the {@code mediaUrls}
     * of a send (our signed URLs) itself.
     */
    @Override
    public MediaAccess mediaAccess() {
        return MediaAccess.PUBLIC;
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        String messageId = request.header(InteliquentVerificationToken.MESSAGE_ID_HEADER);
        String presented = request.header(InteliquentVerificationToken.TOKEN_HEADER);
        if (messageId == null || messageId.isBlank()) {
            throw WebhookRejection.unauthorized(InteliquentVerificationToken.MESSAGE_ID_HEADER + " header is missing");
        }
        if (presented == null || presented.isBlank()) {
            throw WebhookRejection.unauthorized(InteliquentVerificationToken.TOKEN_HEADER + " header is missing");
        }
        if (!token.matches(messageId, presented)) {
            throw WebhookRejection.forbidden(
                    InteliquentVerificationToken.TOKEN_HEADER + " does not match the MessageId for this account's key");
        }
    }

    /** The message broker posts one message as a small JSON object; 64 KiB is far above it. */
    @Override
    public long maxBodyBytes() {
        return 64 * 1024;
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        String messageId =
                request.header(InteliquentVerificationToken.MESSAGE_ID_HEADER).trim();
        // The MessageId becomes the carrier message id: nothing else may be stored as one.
        if (!MESSAGE_ID.matcher(messageId).matches()) {
            if (messageId.length() > MAX_MESSAGE_ID) {
                throw WebhookRejection.tooLong(InteliquentVerificationToken.MESSAGE_ID_HEADER, MAX_MESSAGE_ID);
            }
            throw WebhookRejection.malformed(
                    InteliquentVerificationToken.MESSAGE_ID_HEADER + " is not an id (letters, digits and dashes)",
                    InteliquentVerificationToken.MESSAGE_ID_HEADER);
        }
        return parser.parse(request.body(), messageId);
    }
}
