package io.omniservice.carriers.livechat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * LiveChat's webhook authentication: every webhook body carries the {@code secret_key} given when the
 * webhook was registered; it must equal ours.
 *
 * <p>The key is read with a streaming parser that stops at it, without building the document: LiveChat
 * writes it among the first top-level fields, so checking it costs a few hundred bytes of tokenizing, and a
 * request without the key builds no tree at all. Only an authenticated body is parsed whole.
 */
final class LiveChatSecret {
    static final String FIELD = "secret_key";

    private final byte[] secretKey;

    LiveChatSecret(String secretKey) {
        this.secretKey = secretKey.getBytes(StandardCharsets.UTF_8);
    }

    void verify(byte[] body) throws WebhookRejection {
        String given = secretKeyOf(body);
        if (given == null || given.isEmpty()) {
            throw WebhookRejection.unauthorized("the webhook has no secret_key");
        }
        if (!MessageDigest.isEqual(secretKey, given.getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejection.forbidden("the secret_key does not match");
        }
    }

    /** The top-level {@code secret_key} string, or null when the object has none (or not as a string). */
    static String secretKeyOf(byte[] body) throws WebhookRejection {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            if (first != JsonToken.START_OBJECT) {
                throw WebhookRejection.malformed("a LiveChat webhook is a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (FIELD.equals(name)) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            throw WebhookRejection.malformed("the body is not valid JSON");
        }
    }
}
