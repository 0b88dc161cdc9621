package io.omniservice.carriers.inteliquent;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The message broker's webhook authentication: a random {@code MessageId} header and a
 * {@code VerificationToken} header derived from it with the inbound API key. The token covers the
 * MessageId only, not the body.
 *
 * <p>Two derivations are accepted, both hex encoded: SHA-256 of the API key followed by the MessageId (our
 * protocol notes), and HMAC-SHA256 of the MessageId keyed with the API key (the wording of Inteliquent's
 * Services API 2.0.0 {@code configureAuthorization} description). Both need the key, so accepting either
 * does not let anyone without it through; the one Inteliquent does not use can be dropped once confirmed.
 */
final class InteliquentVerificationToken {
    static final String MESSAGE_ID_HEADER = "MessageId";
    static final String TOKEN_HEADER = "VerificationToken";

    private final String apiKey;

    InteliquentVerificationToken(String apiKey) {
        this.apiKey = apiKey;
    }

    /** Hex SHA-256 of the API key and the MessageId, concatenated. */
    String concatenationHash(String messageId) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest((apiKey + messageId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Hex HMAC-SHA256 of the MessageId, keyed with the API key. */
    String hmac(String messageId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(messageId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code token} belongs to {@code messageId}; hex case is not significant. */
    boolean matches(String messageId, String token) {
        byte[] presented = token.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        // Both are compared every time, so timing does not tell which derivation was tried.
        boolean hash = MessageDigest.isEqual(concatenationHash(messageId).getBytes(StandardCharsets.UTF_8), presented);
        boolean hmac = MessageDigest.isEqual(hmac(messageId).getBytes(StandardCharsets.UTF_8), presented);
        return hash | hmac;
    }
}
