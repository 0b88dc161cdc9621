package io.omniservice.core.carrier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.omniservice.core.json.Json;
import java.io.IOException;

/** Reads a webhook's JSON body for a carrier adapter, turning broken JSON into a 400 rejection. */
public final class JsonBody {
    private JsonBody() {}

    /**
     * The body as a JSON tree; an empty body is a {@link MissingNode}, never null, so the adapter's own
     * shape check ("an object", "an array of events") answers it.
     *
     * @throws WebhookRejection 400 when the bytes are not JSON
     */
    public static JsonNode parse(byte[] body) throws WebhookRejection {
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            return root == null ? MissingNode.getInstance() : root;
        } catch (IOException e) {
            throw WebhookRejection.malformed("the body is not valid JSON");
        }
    }
}
