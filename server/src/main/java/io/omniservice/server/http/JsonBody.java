package io.omniservice.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.omniservice.core.json.Json;

/** Writes a response body as JSON with the gateway's one mapper ({@link Json#MAPPER}). */
final class JsonBody {
    private JsonBody() {}

    static void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(ErrorResponses.JSON).result(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
