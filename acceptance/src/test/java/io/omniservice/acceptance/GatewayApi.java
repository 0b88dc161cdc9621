package io.omniservice.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The query API of a running gateway, read as a user would (Bearer API key, JSON). */
final class GatewayApi {
    static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayProcess gateway;
    private final HttpClient client = HttpClient.newHttpClient();

    GatewayApi(GatewayProcess gateway) {
        this.gateway = gateway;
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send(HttpRequest.newBuilder(gateway.uri(pathAndQuery))
                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                .build());
    }

    JsonNode getJson(String pathAndQuery) throws Exception {
        HttpResponse<String> response = get(pathAndQuery);
        if (response.statusCode() != 200) {
            throw new AssertionError(
                    "GET " + pathAndQuery + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Every item of a paginated listing, following nextCursor to the end. */
    List<JsonNode> all(String pathAndQuery) throws Exception {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            String page = pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "limit=500"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode body = getJson(page);
            body.get("items").forEach(items::add);
            JsonNode next = body.get("nextCursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return items;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
