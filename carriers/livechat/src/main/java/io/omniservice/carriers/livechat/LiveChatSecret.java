package io.omniservice.carriers.livechat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * LiveChat's webhook authentication: every webhook body carries the {@code secret_key} given when the
 * webhook was registered; it must equal ours.
 */
final class LiveChatSecret {
    private final byte[] secretKey;

    LiveChatSecret(String secretKey) {
        this.secretKey = secretKey.getBytes(StandardCharsets.UTF_8);
    }

    void verify(JsonNode webhook) throws WebhookRejection {
        JsonNode given = webhook.path("secret_key");
        if (!given.isTextual() || given.asText().isEmpty()) {
            throw WebhookRejection.unauthorized("the webhook has no secret_key");
        }
        if (!MessageDigest.isEqual(secretKey, given.asText().getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejection.forbidden("the secret_key does not match");
        }
    }
}
