package io.omniservice.lambda;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.omniservice.aws.MovableClock;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The handlers on one function instance's wiring against the emulators: API Gateway v2 events as API Gateway
 * sends them (lower-cased header names, base64 bodies), stream records built from the change-event items our own
 * webhook wrote, the workflow's steps and its dead-letter step, and a SnapStart restore.
 */
class LambdaHandlersTest {
    private static LambdaEmulators emulators;
    private static LambdaGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        emulators = new LambdaEmulators("lambda");
        gateway = emulators.open();
        emulators.aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AWSStepFunctions.StartExecution"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/x-amz-json-1.0")
                        .withBody("{\"executionArn\":\"arn:aws:states:us-east-1:123456789012:execution:w:x\","
                                + "\"startDate\":1.7E9}")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        emulators.close();
    }

    @Test
    void twilioWebhookWithBase64BodyAndLowerCasedHeadersIsVerifiedOnThePublicUrlAndStored() {
        String sid = "SM" + UUID.randomUUID().toString().replace("-", "");
        APIGatewayV2HTTPResponse answer = api(twilioWebhook(sid, "+14155550111", "hello lambda", true));
        assertThat(answer.getStatusCode()).isEqualTo(200);

        JsonNode messages = parse(api(get("/v1/messages?carrier=twilio&since="
                        + java.time.Instant.now().minusSeconds(3600) + "&until="
                        + java.time.Instant.now().plusSeconds(60)))
                .getBody());
        assertThat(messages.toString()).contains(sid).contains("hello lambda");
    }

    @Test
    void twilioSignatureOverTheExecuteApiHostIsRefused() {
        String sid = "SM" + UUID.randomUUID().toString().replace("-", "");
        Map<String, String> form = twilioForm(sid, "+14155550112", "forged");
        APIGatewayV2HTTPEvent event = webhookEvent(
                form,
                WebhookSigning.twilioSignature(
                        LambdaEmulators.TWILIO_TOKEN,
                        "https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/twilio",
                        form),
                false);
        APIGatewayV2HTTPResponse answer = api(event);
        assertThat(answer.getStatusCode()).isBetween(401, 403);
        assertThat(parse(answer.getBody()).has("error")).isTrue();
    }

    @Test
    void apiWithoutKeyIsRefusedWithJsonError() {
        APIGatewayV2HTTPEvent event = get("/v1/messages");
        event.getHeaders().remove("authorization");
        APIGatewayV2HTTPResponse answer = api(event);
        assertThat(answer.getStatusCode()).isEqualTo(401);
        assertThat(answer.getHeaders()).containsEntry("Content-Type", "application/json");
        assertThat(parse(answer.getBody()).has("error")).isTrue();
    }

    @Test
    void streamStartsOneExecutionPerChangeEventNamedByItAndRetriedRecordsAreIdempotent() {
        String from = "+14155550121";
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), from, "first", true));
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> items = eventsOf(from);
        assertThat(items).isNotEmpty();
        DynamodbEvent batch = streamOf(items);

        StreamsEventResponse response = new StreamHandler(gateway).handleRequest(batch, null);
        assertThat(response.getBatchItemFailures()).isEmpty();
        for (var item : items) {
            String name = "e-" + item.get("eventId").s() + "-" + item.get("seq").n();
            emulators.aws.verify(
                    1,
                    postRequestedFor(urlEqualTo("/"))
                            .withHeader("X-Amz-Target", equalTo("AWSStepFunctions.StartExecution"))
                            .withRequestBody(containing("\"name\":\"" + name + "\"")));
        }

        // the same records again: Step Functions says the executions exist, which counts as started
        emulators.aws.stubFor(post(urlEqualTo("/"))
                .atPriority(1)
                .withHeader("X-Amz-Target", equalTo("AWSStepFunctions.StartExecution"))
                .withRequestBody(containing(items.getFirst().get("eventId").s()))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/x-amz-json-1.0")
                        .withBody("{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists\"}")));
        assertThat(new StreamHandler(gateway).handleRequest(batch, null).getBatchItemFailures())
                .isEmpty();
    }

    @Test
    void aRecordThatCannotStartFailsWithEveryLaterRecordOfItsConversationOnly() {
        String failing = "+14155550131";
        String other = "+14155550132";
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), failing, "one", true));
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), failing, "two", true));
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), other, "three", true));
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> failingItems =
                eventsOf(failing);
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> otherItems = eventsOf(other);
        String firstId = failingItems.getFirst().get("eventId").s();
        emulators.aws.stubFor(post(urlEqualTo("/"))
                .atPriority(1)
                .withHeader("X-Amz-Target", equalTo("AWSStepFunctions.StartExecution"))
                .withRequestBody(containing(firstId))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/x-amz-json-1.0")
                        .withBody("{\"__type\":\"StateMachineDoesNotExist\",\"message\":\"no such machine\"}")));
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> all = new ArrayList<>();
        all.addAll(failingItems);
        all.addAll(otherItems);
        all.sort(Comparator.comparingLong(i -> Long.parseLong(i.get("seq").n())));
        StreamsEventResponse response = new StreamHandler(gateway).handleRequest(streamOf(all), null);
        List<String> failed = response.getBatchItemFailures().stream()
                .map(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .toList();
        assertThat(failed)
                .containsExactlyElementsOf(failingItems.stream()
                        .map(i -> "seq-" + i.get("seq").n())
                        .toList());
    }

    @Test
    void stepsRunTheEventsWorkflowInOrderAndARetriedStepIsHarmless() {
        String from = "+14155550141";
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), from, "process me", true));
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> items = eventsOf(from);
        List<Map<String, Object>> inputs =
                items.stream().map(LambdaHandlersTest::input).toList();
        // a later event of the conversation waits for the earlier one
        if (inputs.size() > 1) {
            assertThatThrownBy(() -> new NotificationStepHandler(gateway).handleRequest(inputs.get(1), null))
                    .isInstanceOf(EarlierEventPending.class);
        }
        for (Map<String, Object> input : inputs) {
            Map<String, Object> out = input;
            out = new ComplianceStepHandler(gateway).handleRequest(out, null);
            out = new MediaStepHandler(gateway).handleRequest(out, null);
            out = new RulesStepHandler(gateway).handleRequest(out, null);
            out = new NotificationStepHandler(gateway).handleRequest(out, null);
            assertThat(out).isEqualTo(input);
        }
        assertThat(eventsOf(from)).isEmpty();
        // a retried task after the event left the feed does nothing and passes its input on
        assertThat(new NotificationStepHandler(gateway).handleRequest(inputs.getLast(), null))
                .isEqualTo(inputs.getLast());
        // the notification step published the message's event to the log subscribers and SSE read
        String log = new Tables(emulators.prefix).name(Tables.PUBLISHED_EVENTS);
        assertThat(emulators.dynamo.client().scan(r -> r.tableName(log)).items().toString())
                .contains("process me");
    }

    @Test
    void deadLetterStepTakesAnEventThatWaitsBehindAnotherAndTheApiListsIt() {
        String from = "+14155550151";
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), from, "stuck first", true));
        api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), from, "gives up", true));
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> items = eventsOf(from);
        Map<String, Object> last = input(items.getLast());
        assertThatThrownBy(() -> new ComplianceStepHandler(gateway).handleRequest(last, null))
                .isInstanceOf(EarlierEventPending.class);

        Map<String, Object> caught = new LinkedHashMap<>(last);
        caught.put(
                "error",
                Map.of("Error", EarlierEventPending.class.getName(), "Cause", "{\"errorMessage\":\"waited\"}"));
        new DeadLetterStepHandler(gateway).handleRequest(caught, null);

        assertThat(eventsOf(from)).hasSize(items.size() - 1);
        String letters = api(get("/v1/dead-letters")).getBody();
        assertThat(letters).contains(EarlierEventPending.class.getName());
        // a repeated dead-letter task finds the event gone and stores nothing twice
        new DeadLetterStepHandler(gateway).handleRequest(caught, null);
        assertThat(eventsOf(from)).hasSize(items.size() - 1);
    }

    @Test
    void outboundReportsTheFirstBadRecordAndEveryLaterOneAndDropsStaleTickets() {
        String lane = "arn:aws:sqs:us-east-1:123456789012:" + emulators.prefix + "sends-normal.fifo";
        String stale = Json.text(new io.omniservice.aws.queue.SendTicket(
                "msg-" + UUID.randomUUID(),
                "conv-" + UUID.randomUUID(),
                1,
                io.omniservice.core.outbound.Priority.NORMAL,
                java.time.Instant.now()));
        com.amazonaws.services.lambda.runtime.events.SQSEvent batch = sqs(
                sqsMessage("m1", lane, stale), sqsMessage("m2", lane, "not a ticket"), sqsMessage("m3", lane, stale));
        var response = new OutboundHandler(gateway).handleRequest(batch, null);
        assertThat(response.getBatchItemFailures())
                .extracting(
                        com.amazonaws.services.lambda.runtime.events.SQSBatchResponse.BatchItemFailure
                                ::getItemIdentifier)
                .containsExactly("m2", "m3");
        // a ticket whose job no longer exists is done with: SQS may delete it
        assertThat(new OutboundHandler(gateway)
                        .handleRequest(sqs(sqsMessage("m4", lane, stale)), null)
                        .getBatchItemFailures())
                .isEmpty();
    }

    @Test
    void sweepAndDeliveryRunOnTheSchedulesEvent() {
        Map<String, Object> scheduled = Map.of("source", "aws.events", "detail-type", "Scheduled Event");
        assertThat(new SweepHandler(gateway).handleRequest(scheduled, null))
                .containsKeys("conversationsSwept", "deadSendsMoved");
        assertThat(new DeliveryHandler(gateway).handleRequest(scheduled, null))
                .containsEntry("batchItemFailures", List.of());
    }

    private static com.amazonaws.services.lambda.runtime.events.SQSEvent sqs(
            com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage... messages) {
        var event = new com.amazonaws.services.lambda.runtime.events.SQSEvent();
        event.setRecords(List.of(messages));
        return event;
    }

    private static com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage sqsMessage(
            String id, String queueArn, String body) {
        var message = new com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage();
        message.setMessageId(id);
        message.setEventSourceArn(queueArn);
        message.setBody(body);
        message.setReceiptHandle("receipt-" + id);
        message.setEventSource("aws:sqs");
        message.setAttributes(Map.of("ApproximateReceiveCount", "1", "MessageGroupId", "conv-1"));
        return message;
    }

    @Test
    void afterRestoreMakesANewNodeIdNewClientsAndReadsSecretsAgain() throws Exception {
        LambdaGateway own = emulators.open();
        try {
            String node = own.nodeId();
            var wiredGateway = own.gateway();
            var sfn = own.stepFunctions();
            int reads = secretReads();
            own.afterRestore(null);
            assertThat(own.nodeId()).isNotEqualTo(node);
            assertThat(own.gateway()).isNotSameAs(wiredGateway);
            assertThat(own.stepFunctions()).isNotSameAs(sfn);
            assertThat(secretReads()).isGreaterThan(reads);
            assertThat(new ApiHandler(own)
                            .handleRequest(get("/health/live"), null)
                            .getStatusCode())
                    .isEqualTo(200);
        } finally {
            own.close();
        }
    }

    @Test
    void outboundSendsToAPlayedCarrierThroughItsRetriesAndReportsItsBreakerOpening() throws Exception {
        WireMockServer twilio = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        twilio.start();
        String path = "/2010-04-01/Accounts/" + LambdaEmulators.TWILIO_SID + "/Messages.json";
        LambdaGateway own = emulators.open(
                Map.of(
                        "OMNI_SETTINGS",
                        Json.text(Map.of(
                                "carriers",
                                Map.of("twilio", Map.of("default", Map.of("apiBaseUrl", twilio.baseUrl()))),
                                "outbound",
                                Map.of(
                                        "retry",
                                        Map.of("initialBackoffMillis", 10, "maxBackoffMillis", 20),
                                        "breaker",
                                        Map.of(
                                                "window", 4,
                                                "minimumCalls", 3,
                                                "failureRatePercent", 50,
                                                "openSeconds", 600))))),
                Clock.systemUTC());
        try {
            // Twilio fails the first call (a retryable 503), then takes the message
            twilio.stubFor(post(urlPathEqualTo(path))
                    .inScenario("flaky")
                    .whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse()
                            .withStatus(503)
                            .withHeader("Content-Type", "application/json")
                            .withBody("{\"code\":20503,\"message\":\"Service Unavailable\",\"status\":503}"))
                    .willSetStateTo("up"));
            twilio.stubFor(post(urlPathEqualTo(path))
                    .inScenario("flaky")
                    .whenScenarioStateIs("up")
                    .willReturn(aResponse()
                            .withStatus(201)
                            .withHeader("Content-Type", "application/json")
                            .withBody("{\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"status\":\"queued\","
                                    + "\"num_segments\":\"1\"}")));
            String shipped = accept(own, "+14155550123", "Your order shipped");
            var first = new OutboundHandler(own).handleRequest(receiveTickets(own), null);

            assertThat(first.getBatchItemFailures()).isEmpty();
            twilio.verify(
                    2,
                    postRequestedFor(urlPathEqualTo(path))
                            .withHeader("Authorization", containing("Basic "))
                            .withRequestBody(containing("Body=Your+order+shipped")));
            JsonNode sent = parse(new ApiHandler(own)
                    .handleRequest(get("/v1/messages/" + shipped), null)
                    .getBody());
            assertThat(sent.get("status").asText()).isEqualTo("sent");
            assertThat(sent.get("carrierMessageId").asText()).isEqualTo("SM0123456789abcdef0123456789abcdef");
            assertThat(sent.get("attempts")).hasSize(2);

            // then Twilio is down: the attempts open its breaker, and the batch writes the alarm's metric
            twilio.resetAll();
            twilio.stubFor(post(urlPathEqualTo(path))
                    .willReturn(aResponse()
                            .withStatus(503)
                            .withHeader("Content-Type", "application/json")
                            .withBody("{\"code\":20503,\"message\":\"Service Unavailable\",\"status\":503}")));
            int metricsBefore = emulators.metrics.size();
            accept(own, "+14155550124", "Your order is delayed");
            new OutboundHandler(own).handleRequest(receiveTickets(own), null);

            assertThat(own.gateway().carrierHealth().openRoutes()).isNotEmpty();
            String metrics = emulators.metrics.toString(StandardCharsets.UTF_8).substring(metricsBefore);
            assertThat(metrics).contains("CarrierBreakerOpen").contains("twilio");
        } finally {
            own.close();
            twilio.stop();
        }
    }

    @Test
    void theSweepRunsAReceiptDeadlineOnceItIsDueAndRecordsTheMissingReceiptOnce() {
        WireMockServer twilio = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        twilio.start();
        twilio.stubFor(post(urlPathEqualTo("/2010-04-01/Accounts/" + LambdaEmulators.TWILIO_SID + "/Messages.json"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SMfedcba9876543210fedcba9876543210\",\"status\":\"queued\","
                                + "\"num_segments\":\"1\"}")));
        MovableClock clock = new MovableClock(Instant.now());
        LambdaGateway own = emulators.open(
                Map.of(
                        "OMNI_SETTINGS",
                        Json.text(Map.of(
                                "carriers",
                                Map.of("twilio", Map.of("default", Map.of("apiBaseUrl", twilio.baseUrl())))))),
                clock);
        Map<String, Object> scheduled = Map.of("source", "aws.events", "detail-type", "Scheduled Event");
        try {
            String id = accept(
                    own,
                    "+14155550125",
                    "Did it arrive?",
                    Map.of("fallback", Map.of("afterSeconds", 60, "onTimeout", "notify")));
            assertThat(new OutboundHandler(own)
                            .handleRequest(receiveTickets(own), null)
                            .getBatchItemFailures())
                    .isEmpty();
            assertThat(new SweepHandler(own).handleRequest(scheduled, null)).containsEntry("deadlinesRun", 0);

            clock.advance(Duration.ofSeconds(61));
            assertThat(new SweepHandler(own).handleRequest(scheduled, null)).containsEntry("deadlinesRun", 1);
            assertThat(new SweepHandler(own).handleRequest(scheduled, null)).containsEntry("deadlinesRun", 0);

            JsonNode message = parse(new ApiHandler(own)
                    .handleRequest(get("/v1/messages/" + id), null)
                    .getBody());
            assertThat(message.get("status").asText()).isEqualTo("sent");
            List<String> history = new ArrayList<>();
            message.get("statusHistory")
                    .forEach(h -> history.add(h.path("carrierStatus").asText()));
            assertThat(history).containsOnlyOnce("delivery_timeout");
        } finally {
            own.close();
            twilio.stop();
        }
    }

    @Test
    void theEventStreamIsALongPollThatEndsWithTheEventsThereAreAndResumesAfterTheLastOne() {
        String first = "+14155550151";
        String second = "+14155550152";
        runWorkflow(first, "first of the stream");
        APIGatewayV2HTTPResponse all = events("0");
        assertThat(all.getStatusCode()).isEqualTo(200);
        assertThat(all.getHeaders().get("Content-Type")).startsWith("text/event-stream");
        assertThat(all.getBody()).startsWith("retry: 500").contains("first of the stream");
        String lastId = all.getBody()
                .lines()
                .filter(line -> line.startsWith("id: "))
                .reduce((a, b) -> b)
                .orElseThrow()
                .substring(4);

        runWorkflow(second, "second of the stream");
        APIGatewayV2HTTPResponse resumed = events(lastId);
        assertThat(resumed.getStatusCode()).isEqualTo(200);
        assertThat(resumed.getBody()).contains("second of the stream").doesNotContain("first of the stream");
    }

    /** A Twilio webhook from {@code from}, then its conversation's events through the workflow's steps. */
    private static void runWorkflow(String from, String text) {
        assertThat(api(twilioWebhook("SM" + UUID.randomUUID().toString().replace("-", ""), from, text, false))
                        .getStatusCode())
                .isEqualTo(200);
        for (var item : eventsOf(from)) {
            Map<String, Object> out = input(item);
            out = new ComplianceStepHandler(gateway).handleRequest(out, null);
            out = new MediaStepHandler(gateway).handleRequest(out, null);
            out = new RulesStepHandler(gateway).handleRequest(out, null);
            new NotificationStepHandler(gateway).handleRequest(out, null);
        }
    }

    private static APIGatewayV2HTTPResponse events(String lastEventId) {
        APIGatewayV2HTTPEvent request = get("/v1/events?types=message.received");
        request.getHeaders().put("accept", "text/event-stream");
        request.getHeaders().put("last-event-id", lastEventId);
        return api(request);
    }

    @Test
    void aRotatedCarrierSecretIsInUseFromTheFirstInvocationAfterItsCacheTime() {
        MovableClock clock = new MovableClock(Instant.now());
        emulators.secret(
                "omni/carriers/twilio/rotating",
                Map.of("accountSid", LambdaEmulators.TWILIO_SID, "authToken", "token-before", "from", "+14155550199"));
        LambdaGateway own = emulators.open(
                Map.of(
                        "OMNI_CARRIER_ACCOUNTS",
                        "twilio=rotating",
                        "OMNI_SETTINGS",
                        "{\"secrets\":{\"secretsManager\":{\"cacheTtlSeconds\":60}}}"),
                clock);
        try {
            emulators.secret(
                    "omni/carriers/twilio/rotating",
                    Map.of(
                            "accountSid",
                            LambdaEmulators.TWILIO_SID,
                            "authToken",
                            "token-after",
                            "from",
                            "+14155550199"));
            // within the cache time the instance still checks signatures with the token it read
            clock.advance(Duration.ofSeconds(30));
            assertThat(twilioWebhookSignedWith(own, "token-after").getStatusCode())
                    .isEqualTo(403);
            assertThat(twilioWebhookSignedWith(own, "token-before").getStatusCode())
                    .isEqualTo(200);

            clock.advance(Duration.ofSeconds(31));
            assertThat(twilioWebhookSignedWith(own, "token-after").getStatusCode())
                    .isEqualTo(200);
            assertThat(twilioWebhookSignedWith(own, "token-before").getStatusCode())
                    .isEqualTo(403);
        } finally {
            own.close();
        }
    }

    private static APIGatewayV2HTTPResponse twilioWebhookSignedWith(LambdaGateway own, String token) {
        Map<String, String> form =
                twilioForm("SM" + UUID.randomUUID().toString().replace("-", ""), "+14155550142", "hello");
        String path = "/webhooks/twilio/rotating";
        String signature = WebhookSigning.twilioSignature(token, LambdaEmulators.PUBLIC_BASE_URL + path, form);
        return new ApiHandler(own).handleRequest(webhookEvent(path, form, signature, false), null);
    }

    /** {@code POST /v1/messages} through the API function; the message's id. */
    private static String accept(LambdaGateway own, String to, String text) {
        return accept(own, to, text, Map.of());
    }

    /** A send over Twilio accepted through the API function, with these {@code options}. */
    private static String accept(LambdaGateway own, String to, String text, Map<String, Object> options) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("authorization", "Bearer " + LambdaEmulators.API_KEY);
        headers.put("content-type", "application/json");
        String body = Json.text(Map.of(
                "to", Map.of("phoneNumber", to, "preferredCarrier", "twilio"),
                "from", Map.of("phoneNumber", "+14155550199"),
                "content", Map.of("type", "text", "text", text),
                "options", options));
        APIGatewayV2HTTPResponse accepted =
                new ApiHandler(own).handleRequest(event("POST", "/v1/messages", "", headers, body, false), null);
        assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(202);
        return parse(accepted.getBody()).get("messageId").asText();
    }

    /** The tickets waiting in the send queues, received as the event-source mapping does, as its batch. */
    private static com.amazonaws.services.lambda.runtime.events.SQSEvent receiveTickets(LambdaGateway own) {
        List<com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage> batch = new ArrayList<>();
        try (var sqs = software.amazon.awssdk.services.sqs.SqsClient.builder()
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + emulators.sqsPort))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                LambdaEmulators.ACCESS_KEY, LambdaEmulators.SECRET_KEY)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (batch.isEmpty() && System.nanoTime() < deadline) {
                for (String lane : List.of("high", "normal", "low")) {
                    String name = emulators.prefix + "sends-" + lane + ".fifo";
                    String url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
                    for (var m : sqs.receiveMessage(r -> r.queueUrl(url)
                                    .maxNumberOfMessages(10)
                                    .messageSystemAttributeNamesWithStrings("All"))
                            .messages()) {
                        var message = sqsMessage(m.messageId(), "arn:aws:sqs:us-east-1:123456789012:" + name, m.body());
                        message.setReceiptHandle(m.receiptHandle());
                        batch.add(message);
                    }
                }
            }
        }
        assertThat(batch).as("a ticket in the send queues").isNotEmpty();
        return sqs(batch.toArray(com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage[]::new));
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int secretReads() {
        return emulators
                .aws
                .findAll(postRequestedFor(urlEqualTo("/"))
                        .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue")))
                .size();
    }

    // ---- events as API Gateway and DynamoDB Streams deliver them ----------------------------------------

    private static APIGatewayV2HTTPResponse api(APIGatewayV2HTTPEvent event) {
        return new ApiHandler(gateway).handleRequest(event, null);
    }

    private static Map<String, String> twilioForm(String sid, String from, String body) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("MessageSid", sid);
        form.put("SmsSid", sid);
        form.put("AccountSid", LambdaEmulators.TWILIO_SID);
        form.put("From", from);
        form.put("To", "+14155550199");
        form.put("Body", body);
        form.put("NumMedia", "0");
        form.put("SmsStatus", "received");
        return form;
    }

    private static APIGatewayV2HTTPEvent twilioWebhook(String sid, String from, String body, boolean base64) {
        Map<String, String> form = twilioForm(sid, from, body);
        String signature = WebhookSigning.twilioSignature(
                LambdaEmulators.TWILIO_TOKEN, LambdaEmulators.PUBLIC_BASE_URL + "/webhooks/twilio", form);
        return webhookEvent(form, signature, base64);
    }

    private static APIGatewayV2HTTPEvent webhookEvent(Map<String, String> form, String signature, boolean base64) {
        return webhookEvent("/webhooks/twilio", form, signature, base64);
    }

    private static APIGatewayV2HTTPEvent webhookEvent(
            String path, Map<String, String> form, String signature, boolean base64) {
        StringBuilder encoded = new StringBuilder();
        form.forEach((k, v) -> encoded.append(encoded.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/x-www-form-urlencoded");
        headers.put("x-twilio-signature", signature);
        headers.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        headers.put("user-agent", "TwilioProxy/1.1");
        byte[] bytes = encoded.toString().getBytes(StandardCharsets.UTF_8);
        return event(
                "POST",
                path,
                "",
                headers,
                base64 ? Base64.getEncoder().encodeToString(bytes) : encoded.toString(),
                base64);
    }

    private static APIGatewayV2HTTPEvent get(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("authorization", "Bearer " + LambdaEmulators.API_KEY);
        headers.put("accept", "application/json");
        return event(
                "GET",
                q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? "" : pathAndQuery.substring(q + 1),
                headers,
                null,
                false);
    }

    private static APIGatewayV2HTTPEvent event(
            String method, String path, String query, Map<String, String> headers, String body, boolean base64) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(path)
                .withRawQueryString(query)
                .withHeaders(headers)
                .withBody(body)
                .withIsBase64Encoded(base64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withDomainName("abc123.execute-api.us-east-1.amazonaws.com")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method)
                                .withPath(path)
                                .withProtocol("HTTP/1.1")
                                .withSourceIp("203.0.113.7")
                                .build())
                        .build())
                .build();
    }

    /** The change-event items of the conversation with {@code from}, in seq order, as our own webhook wrote them. */
    private static List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> eventsOf(
            String from) {
        String table = new Tables(emulators.prefix).name(Tables.CHANGE_EVENTS);
        var all = emulators.dynamo.client().scan(r -> r.tableName(table).consistentRead(true)).items().stream()
                .filter(i -> i.containsKey(Tables.ChangeEvents.EVENT_ID))
                .toList();
        // the conversation.created event names the participant; every event of its lane is the conversation's
        java.util.Set<String> lanes = all.stream()
                .filter(i -> i.get(Tables.ChangeEvents.PAYLOAD).s().contains(from))
                .map(i -> i.get(Tables.ChangeEvents.CONVERSATION_ID).s())
                .collect(java.util.stream.Collectors.toSet());
        return all.stream()
                .filter(i -> lanes.contains(
                        i.get(Tables.ChangeEvents.CONVERSATION_ID).s()))
                .sorted(Comparator.comparingLong(
                        i -> Long.parseLong(i.get("seq").n())))
                .toList();
    }

    /** The stream's INSERT records of these items, in the shape Lambda delivers (keys, new image, sequence number). */
    private static DynamodbEvent streamOf(
            List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> items) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (var item : items) {
            Map<String, AttributeValue> image = new LinkedHashMap<>();
            item.forEach((k, v) -> {
                if (v.s() != null) {
                    image.put(k, new AttributeValue().withS(v.s()));
                } else if (v.n() != null) {
                    image.put(k, new AttributeValue().withN(v.n()));
                }
            });
            Map<String, AttributeValue> keys = new LinkedHashMap<>();
            keys.put("conversationId", image.get("conversationId"));
            keys.put("seq", image.get("seq"));
            StreamRecord stream = new StreamRecord()
                    .withKeys(keys)
                    .withNewImage(image)
                    .withSequenceNumber("seq-" + item.get("seq").n())
                    .withStreamViewType(
                            com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType.NEW_IMAGE);
            DynamodbEvent.DynamodbStreamRecord record = new DynamodbEvent.DynamodbStreamRecord();
            record.setEventName("INSERT");
            record.setEventSource("aws:dynamodb");
            record.setAwsRegion("us-east-1");
            record.setDynamodb(stream);
            records.add(record);
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    private static Map<String, Object> input(
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        return new StepEvent(
                        item.get("conversationId").s(),
                        Long.parseLong(item.get("seq").n()),
                        item.get("eventId").s(),
                        item.get("type").s())
                .toMap();
    }
}
