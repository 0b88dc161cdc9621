package io.omniservice.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.omniservice.core.json.Json;

/** Request and response bodies as JSON, with the gateway's one mapper ({@link Json#MAPPER}). */
final class JsonBody {
    private JsonBody() {}

    /** A request body that must be one JSON object; anything else is a 400 saying which it is not. */
    static com.fasterxml.jackson.databind.node.ObjectNode readObject(byte[] raw) {
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = Json.MAPPER.readTree(raw);
        } catch (java.io.IOException e) {
            throw new ApiException(new io.omniservice.core.model.ApiError(400, "invalid_json", "the body is not JSON"));
        }
        if (body == null || !body.isObject()) {
            throw new ApiException(
                    new io.omniservice.core.model.ApiError(400, "invalid_json", "the body must be a JSON object"));
        }
        return (com.fasterxml.jackson.databind.node.ObjectNode) body;
    }

    /** A body field that must be an absolute http(s) URL (a callback, a subscription, media to fetch). */
    static java.net.URI httpUrl(String raw, String field) {
        try {
            java.net.URI uri = new java.net.URI(raw);
            if (uri.getScheme() == null
                    || !("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
                    || uri.getHost() == null) {
                throw ApiException.invalidField(field, "must be an http(s) URL");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw ApiException.invalidField(field, "is not a URL");
        }
    }

    static void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(ErrorResponses.JSON).result(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
