package io.omniservice.carriers.bandwidth;

import io.omniservice.core.carrier.WebhookRejection;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The HTTP basic-auth credentials Bandwidth sends on every callback (the application's callback
 * credentials), checked in constant time: both parts are always compared, so timing tells nothing about
 * which one was wrong.
 */
final class BandwidthCallbackAuth {
    private static final String SCHEME = "Basic ";

    private final byte[] username;
    private final byte[] password;

    BandwidthCallbackAuth(String username, String password) {
        this.username = username.getBytes(StandardCharsets.UTF_8);
        this.password = password.getBytes(StandardCharsets.UTF_8);
    }

    void verify(String authorization) throws WebhookRejection {
        if (authorization == null
                || authorization.isBlank()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw WebhookRejection.unauthorized("basic-auth credentials are missing");
        }
        String decoded;
        try {
            byte[] raw = Base64.getDecoder()
                    .decode(authorization.substring(SCHEME.length()).trim());
            decoded = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw WebhookRejection.forbidden("the basic-auth credentials are not valid base64 of user:password");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw WebhookRejection.forbidden("the basic-auth credentials are not valid base64 of user:password");
        }
        boolean userMatches =
                MessageDigest.isEqual(username, decoded.substring(0, colon).getBytes(StandardCharsets.UTF_8));
        boolean passwordMatches =
                MessageDigest.isEqual(password, decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
        if (!(userMatches & passwordMatches)) {
            throw WebhookRejection.forbidden("the basic-auth credentials do not match the callback credentials");
        }
    }
}
