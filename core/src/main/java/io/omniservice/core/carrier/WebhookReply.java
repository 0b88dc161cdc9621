package io.omniservice.core.carrier;

import java.nio.charset.StandardCharsets;

/** What we answer a carrier: status, content type and body (some carriers expect a particular body). */
public record WebhookReply(int status, String contentType, byte[] body) {
    public static WebhookReply empty() {
        return new WebhookReply(200, null, new byte[0]);
    }

    public static WebhookReply text(int status, String contentType, String body) {
        return new WebhookReply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
