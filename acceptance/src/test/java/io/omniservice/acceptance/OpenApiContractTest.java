package io.omniservice.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker the end-to-end suite runs every exchange through catches what drifts from the document. */
class OpenApiContractTest {
    private final OpenApiContract contract = OpenApiContract.shipped();

    private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));

    private static OpenApiContract.Exchange exchange(String method, String pathAndQuery, int status, String body) {
        return exchange(method, pathAndQuery, null, status, body);
    }

    private static OpenApiContract.Exchange exchange(
            String method, String pathAndQuery, String requestBody, int status, String body) {
        return new OpenApiContract.Exchange(
                method,
                URI.create("http://127.0.0.1:8080" + pathAndQuery),
                requestBody == null ? Map.of() : JSON,
                requestBody == null ? new byte[0] : requestBody.getBytes(StandardCharsets.UTF_8),
                status,
                body.isEmpty() ? Map.of() : JSON,
                body);
    }

    private static final String MESSAGE = """
            {"messageId":"m1","conversationId":"c1","direction":"inbound","carrier":"twilio",
             "sender":"+14155550100","recipient":"+14155550199","content":{"type":"text","body":"hi"},
             "status":"received","timestamps":{"created":"2026-11-25T14:00:00Z"},
             "statusHistory":[{"status":"received","at":"2026-11-25T14:00:00Z"}]}""";

    @Test
    void aDocumentedExchangeHasNoViolations() {
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/conversations/c1/messages?limit=10",
                        200,
                        "{\"items\":[" + MESSAGE + "],\"nextCursor\":null}")))
                .isEmpty();
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/messages/m1",
                        404,
                        "{\"error\":{\"code\":\"message_not_found\",\"message\":\"no\"}}")))
                .isEmpty();
    }

    @Test
    void contactsAndASendAcrossChannelsAreDocumented() {
        String contact = "{\"id\":\"k1\",\"displayName\":null,\"identities\":[\"livechat:PJ0MRSHTDG\","
                + "\"+14155550100\"],\"createdAt\":\"2026-11-25T14:00:00Z\"}";
        assertThat(contract.violations(
                        exchange("POST", "/v1/contacts", "{\"identities\":[\"livechat:PJ0MRSHTDG\"]}", 201, contact)))
                .isEmpty();
        assertThat(
                        contract.violations(
                                exchange(
                                        "POST",
                                        "/v1/contacts/k1/identities",
                                        "{\"identity\":\"+14155550100\"}",
                                        409,
                                        "{\"error\":{\"code\":\"identity_already_linked\",\"message\":\"no\",\"field\":\"identity\"}}")))
                .isEmpty();
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/contacts?identity=%2B14155550100",
                        200,
                        "{\"items\":[" + contact + "],\"nextCursor\":null}")))
                .isEmpty();
        assertThat(contract.violations(exchange("DELETE", "/v1/contacts/k1/identities/%2B14155550100", 200, contact)))
                .isEmpty();
        String sentAcross = MESSAGE.replace(
                "\"statusHistory\"",
                "\"attempts\":[{\"carrier\":\"bandwidth\",\"at\":\"2026-11-25T14:00:00Z\",\"outcome\":\"sent\","
                        + "\"to\":\"+14155550100\"}],\"statusHistory\"");
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/contacts/k1/messages?limit=10",
                        200,
                        "{\"items\":[" + sentAcross + "],\"nextCursor\":null}")))
                .isEmpty();
        assertThat(
                        contract.violations(
                                exchange(
                                        "POST",
                                        "/v1/messages",
                                        "{\"to\":{\"chatId\":\"PJ0MRSHTDG\"},\"content\":{\"type\":\"text\",\"text\":\"hi\"},"
                                                + "\"options\":{\"acrossChannels\":true}}",
                                        202,
                                        "{\"messageId\":\"m1\",\"status\":\"queued\",\"carrier\":\"bandwidth\",\"timestamp\":\"2026-11-25T14:00:00Z\"}")))
                .isEmpty();
        // a contact without its identities is not what the document promises
        assertThat(contract.violations(
                        exchange("GET", "/v1/contacts/k1", 200, contact.replaceAll(",\"identities\":\\[[^]]*]", ""))))
                .anySatisfy(v -> assertThat(v).contains("identities"));
    }

    @Test
    void aRenamedResponseFieldIsCaught() {
        String renamed = MESSAGE.replace("\"messageId\"", "\"id\"");
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/conversations/c1/messages",
                        200,
                        "{\"items\":[" + renamed + "],\"nextCursor\":null}")))
                .anySatisfy(v -> assertThat(v).contains("messageId"));
    }

    @Test
    void aValueOutsideItsEnumIsCaught() {
        assertThat(contract.violations(exchange(
                        "GET",
                        "/v1/conversations/c1/messages",
                        200,
                        "{\"items\":[" + MESSAGE.replace("\"received\",\"timestamps\"", "\"arrived\",\"timestamps\"")
                                + "],\"nextCursor\":null}")))
                .isNotEmpty();
    }

    @Test
    void anErrorNotInTheContractShapeIsCaught() {
        assertThat(contract.violations(exchange("GET", "/v1/messages/m1", 404, "{\"message\":\"no such message\"}")))
                .anySatisfy(v -> assertThat(v).contains("error"));
    }

    @Test
    void anUndocumentedStatusIsCaught() {
        assertThat(contract.violations(exchange("GET", "/health/live", 418, "")))
                .anySatisfy(v -> assertThat(v).contains("418 is not documented"));
    }

    @Test
    void anUndocumentedRouteIsCaughtUnlessItIsA404() {
        assertThat(contract.violations(exchange("GET", "/v2/messages", 200, "{}")))
                .anySatisfy(v -> assertThat(v).contains("no path"));
        assertThat(contract.violations(exchange("PUT", "/v1/messages", 200, "{}")))
                .anySatisfy(v -> assertThat(v).contains("no PUT"));
        assertThat(contract.violations(exchange(
                        "GET", "/v2/messages", 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route\"}}")))
                .isEmpty();
    }

    @Test
    void anAcceptedRequestMustKeepToTheRequestSchema() {
        String accepted =
                "{\"messageId\":\"m1\",\"status\":\"queued\",\"carrier\":\"twilio\",\"timestamp\":\"2026-11-25T14:00:00Z\"}";
        assertThat(contract.violations(exchange(
                        "POST",
                        "/v1/messages",
                        "{\"to\":{\"phoneNumber\":\"+14155550100\"},\"content\":{\"type\":\"text\",\"text\":\"hi\"}}",
                        202,
                        accepted)))
                .isEmpty();
        // a field the document does not have is one the server should not have accepted
        assertThat(contract.violations(exchange(
                        "POST",
                        "/v1/messages",
                        "{\"to\":{\"phoneNumber\":\"+14155550100\"},\"content\":{\"type\":\"sms\",\"text\":\"hi\"}}",
                        202,
                        accepted)))
                .anySatisfy(v -> assertThat(v).contains("request body"));
        assertThat(contract.violations(exchange(
                        "GET", "/v1/messages?status=received&limit=9000", 200, "{\"items\":[],\"nextCursor\":null}")))
                .anySatisfy(v -> assertThat(v).contains("limit"));
    }

    @Test
    void anUndocumentedContentTypeIsCaught() {
        var html = new OpenApiContract.Exchange(
                "GET",
                URI.create("http://127.0.0.1:8080/health/live"),
                Map.of(),
                new byte[0],
                200,
                Map.of("Content-Type", List.of("text/html")),
                "<p>up</p>");
        assertThat(contract.violations(html)).anySatisfy(v -> assertThat(v).contains("text/html"));
    }
}
