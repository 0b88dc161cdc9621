package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.http.HttpVersion;

/**
 * API Gateway HTTP API (payload 2.0) → the gateway's own HTTP routes, in memory: carrier webhooks, {@code /v1},
 * {@code /media} and health answer exactly as on the JVM, with the same authentication, limits and error bodies.
 * The body is handed over as the bytes the carrier sent (API Gateway may have base64-encoded it), so signatures
 * are checked on what was signed; the URL that Twilio and MessageBird sign is rebuilt by the routes from
 * {@code publicBaseUrl} and the raw path and query, never from the execute-api host.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    /** Under the function's 29 s: a request still running then is answered 504 by API Gateway anyway. */
    private static final Duration TIMEOUT = Duration.ofSeconds(27);
    /** Hop-by-hop or recomputed: the in-memory request carries its own framing. */
    private static final Set<String> DROPPED =
            Set.of("content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect");

    private static final Set<String> TEXTUAL =
            Set.of("application/json", "application/xml", "application/x-www-form-urlencoded");

    private final LambdaGateway gateway;

    /** Lambda's constructor: the function instance's gateway, built at init. */
    public ApiHandler() {
        this(LambdaGateway.instance());
    }

    public ApiHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        HttpTester.Response response;
        try {
            ByteBuffer raw = gateway.gateway().respond(request(event), TIMEOUT);
            response = HttpTester.parseResponse(raw);
        } catch (Exception e) {
            throw new IllegalStateException("the gateway did not answer: " + e, e);
        }
        if (response == null) {
            return error(504, "timeout", "the request took longer than the function may run");
        }
        return answer(response);
    }

    /** The event as one HTTP/1.1 request, as a client would have sent it to the JVM gateway. */
    static ByteBuffer request(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPEvent.RequestContext.Http http = event.getRequestContext() == null
                ? null
                : event.getRequestContext().getHttp();
        String method = http != null && http.getMethod() != null ? http.getMethod() : "GET";
        String path = event.getRawPath() == null || event.getRawPath().isEmpty() ? "/" : event.getRawPath();
        String query = event.getRawQueryString();
        HttpTester.Request request = HttpTester.newRequest();
        request.setMethod(method.toUpperCase(Locale.ROOT));
        request.setURI(path + (query == null || query.isEmpty() ? "" : "?" + query));
        request.setVersion(HttpVersion.HTTP_1_1);
        String host = null;
        if (event.getHeaders() != null) {
            for (Map.Entry<String, String> header : event.getHeaders().entrySet()) {
                String name = header.getKey().toLowerCase(Locale.ROOT);
                if (name.equals("host")) {
                    host = header.getValue();
                } else if (!DROPPED.contains(name) && !name.equals("cookie")) {
                    // names arrive lower-cased; HTTP names are case-insensitive, and the routes read them so
                    request.add(header.getKey(), header.getValue());
                }
            }
        }
        if (event.getCookies() != null && !event.getCookies().isEmpty()) {
            request.put("Cookie", String.join("; ", event.getCookies()));
        }
        if (host == null && event.getRequestContext() != null) {
            host = event.getRequestContext().getDomainName();
        }
        request.put("Host", host == null ? "localhost" : host);
        request.put("Connection", "close");
        byte[] body = body(event);
        if (body.length > 0 || !method.equalsIgnoreCase("GET") && !method.equalsIgnoreCase("HEAD")) {
            request.put("Content-Length", Integer.toString(body.length));
            request.setContent(body);
        }
        return request.generate();
    }

    /** The bytes the client sent: API Gateway base64-encodes a body it does not take for text. */
    static byte[] body(APIGatewayV2HTTPEvent event) {
        if (event.getBody() == null) {
            return new byte[0];
        }
        return event.getIsBase64Encoded()
                ? Base64.getDecoder().decode(event.getBody())
                : event.getBody().getBytes(StandardCharsets.UTF_8);
    }

    private static APIGatewayV2HTTPResponse answer(HttpTester.Response response) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        for (HttpField field : response) {
            String name = field.getName();
            if (name.equalsIgnoreCase("Set-Cookie")) {
                cookies.add(field.getValue());
            } else if (!DROPPED.contains(name.toLowerCase(Locale.ROOT))) {
                headers.merge(name, field.getValue(), (a, b) -> a + "," + b);
            }
        }
        byte[] content = response.getContentBytes();
        String type = headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse("");
        boolean text = textual(type);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.getStatus())
                .withHeaders(headers)
                .withCookies(cookies.isEmpty() ? null : cookies)
                .withBody(
                        content == null
                                ? ""
                                : text
                                        ? new String(content, StandardCharsets.UTF_8)
                                        : Base64.getEncoder().encodeToString(content))
                .withIsBase64Encoded(content != null && !text)
                .build();
    }

    static boolean textual(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        String bare = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        return bare.startsWith("text/") || bare.endsWith("+json") || TEXTUAL.contains(bare) || bare.isEmpty();
    }

    private static APIGatewayV2HTTPResponse error(int status, String code, String message) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}")
                .build();
    }
}
