package io.omniservice.carriers.whatsapp;

import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Meta's subscription handshake: a GET with {@code hub.mode=subscribe}, {@code hub.verify_token} and
 * {@code hub.challenge}, answered with the challenge as plain text once the token matches ours.
 */
final class WhatsAppSubscription {
    private final byte[] verifyToken;

    WhatsAppSubscription(String verifyToken) {
        this.verifyToken = verifyToken.getBytes(StandardCharsets.UTF_8);
    }

    WebhookReply answer(WebhookRequest request) throws WebhookRejection {
        String mode = request.queryParam("hub.mode");
        String token = request.queryParam("hub.verify_token");
        String challenge = request.queryParam("hub.challenge");
        if (mode == null || token == null || challenge == null) {
            throw WebhookRejection.malformed(
                    "a verification request carries hub.mode, hub.verify_token and hub.challenge");
        }
        if (!"subscribe".equals(mode)) {
            throw WebhookRejection.malformed("hub.mode must be subscribe", "hub.mode");
        }
        if (!MessageDigest.isEqual(verifyToken, token.getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejection.forbidden("hub.verify_token does not match the configured verify token");
        }
        return WebhookReply.text(200, "text/plain", challenge);
    }
}
