package io.omniservice.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The query API of a running gateway, read as a user would (Bearer API key, JSON). Every exchange it makes is
 * checked against the OpenAPI document ({@link OpenApiContract}): a route, status or field that drifts from
 * it fails the test that made the request.
 */
final class GatewayApi {
    static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayProcess gateway;
    private final HttpClient client = HttpClient.newHttpClient();
    private final OpenApiContract contract = OpenApiContract.shipped();

    GatewayApi(GatewayProcess gateway) {
        this.gateway = gateway;
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        check(request, response, response.body());
        return response;
    }

    /** A binary answer (a media file), checked the same way but for its body's schema. */
    HttpResponse<byte[]> sendForBytes(HttpRequest request) throws Exception {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        check(request, response, new String(response.body(), StandardCharsets.ISO_8859_1));
        return response;
    }

    /**
     * Checks an exchange whose body the caller reads itself (an event stream): its head only. Only the
     * gateway's own answers are the document's: a signed media URL may point at the object store (S3).
     */
    void check(HttpRequest request, HttpResponse<?> response, String body) {
        java.net.URI home = gateway.uri("/");
        if (!java.util.Objects.equals(request.uri().getHost(), home.getHost())
                || request.uri().getPort() != home.getPort()) {
            return;
        }
        List<String> violations = contract.violations(new OpenApiContract.Exchange(
                request.method(),
                request.uri(),
                request.headers().map(),
                bodyOf(request),
                response.statusCode(),
                response.headers().map(),
                body));
        if (!violations.isEmpty()) {
            throw new AssertionError("the exchange does not keep to the OpenAPI document (server module,"
                    + " openapi/openapi.yaml):\n  " + String.join("\n  ", violations));
        }
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

    /** The bytes a request sent: its publisher, read again (the JDK's publishers can be read more than once). */
    private static byte[] bodyOf(HttpRequest request) {
        if (request.bodyPublisher().isEmpty()) {
            return new byte[0];
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        request.bodyPublisher().get().subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                done.complete(bytes.toByteArray());
            }
        });
        try {
            return done.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the request's body could not be read again", e);
        }
    }
}
