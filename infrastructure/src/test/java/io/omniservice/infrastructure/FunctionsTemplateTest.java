package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.core.outbound.Priority;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The functions as the contract with the aws-lambda module has them, the HTTP API, and what triggers each. */
class FunctionsTemplateTest {

    @Test
    void everyHandlerIsAJava21FunctionWithSnapStartTracingAndTheContractsSizing() {
        assertThat(Resources.ofType("AWS::Lambda::Function")).hasSize(LambdaHandler.values().length);
        for (LambdaHandler handler : LambdaHandler.values()) {
            JsonNode properties = function(handler).getValue().get("Properties");
            assertThat(properties.get("Handler").asText())
                    .isEqualTo("io.omniservice.lambda." + handler.className() + "::handleRequest");
            assertThat(properties.get("Runtime").asText()).isEqualTo("java21");
            assertThat(properties.get("MemorySize").asInt()).isEqualTo(1024);
            assertThat(properties.get("Timeout").asInt()).isEqualTo(handler == LambdaHandler.API ? 29 : 60);
            assertThat(properties.at("/SnapStart/ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(properties.at("/TracingConfig/Mode").asText()).isEqualTo("Active");
        }
    }

    @Test
    void everyFunctionHasALiveAliasOnItsPublishedVersion() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            String function = function(handler).getKey();
            JsonNode alias = Resources.one("AWS::Lambda::Alias", handler.id() + "Live")
                    .getValue()
                    .get("Properties");
            assertThat(alias.get("Name").asText()).isEqualTo("live");
            assertThat(alias.get("FunctionName")).isEqualTo(Resources.ref(function));
            String version = alias.at("/FunctionVersion/Fn::GetAtt/0").asText();
            JsonNode published = Synthesized.json().at("/Resources/" + version);
            assertThat(published.get("Type").asText()).isEqualTo("AWS::Lambda::Version");
            assertThat(published.at("/Properties/FunctionName")).isEqualTo(Resources.ref(function));
        }
    }

    @Test
    void functionsAreConfiguredThroughTheContractsEnvironment() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            JsonNode variables = function(handler).getValue().at("/Properties/Environment/Variables");
            List<String> names = new ArrayList<>();
            variables.fieldNames().forEachRemaining(names::add);
            List<String> expected = new ArrayList<>(List.of(
                    "OMNI_CARRIER_ACCOUNTS",
                    "OMNI_EVENT_TOPIC_ARN",
                    "OMNI_MEDIA_BUCKET",
                    "OMNI_PUBLIC_BASE_URL",
                    "OMNI_REGION",
                    "OMNI_SECRETS_PREFIX",
                    "OMNI_SEND_QUEUE",
                    "OMNI_TABLE_PREFIX"));
            if (handler == LambdaHandler.STREAM) {
                expected.add("OMNI_STATE_MACHINE_ARN");
            }
            assertThat(names).as(handler.id()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(variables.get("OMNI_TABLE_PREFIX").asText()).isEqualTo("omniservice-");
            assertThat(variables.get("OMNI_SEND_QUEUE").asText()).isEqualTo("omniservice-sends");
            assertThat(variables.get("OMNI_SECRETS_PREFIX").asText()).isEqualTo("omniservice/");
            // one secret per account is deployed, and the functions configure exactly those accounts
            assertThat(variables.get("OMNI_CARRIER_ACCOUNTS").asText())
                    .isEqualTo("whatsapp=default;twilio=default;bandwidth=default;livechat=default;"
                            + "messagebird=default;inteliquent=default");
            assertThat(variables.get("OMNI_REGION")).isEqualTo(Resources.ref("AWS::Region"));
            assertThat(variables.get("OMNI_EVENT_TOPIC_ARN"))
                    .isEqualTo(Resources.ref(Resources.logicalId("AWS::SNS::Topic", "Events")));
            assertThat(variables.get("OMNI_PUBLIC_BASE_URL"))
                    .isEqualTo(Resources.getAtt(Resources.logicalId("AWS::ApiGatewayV2::Api", "Api"), "ApiEndpoint"));
        }
        assertThat(function(LambdaHandler.STREAM)
                        .getValue()
                        .at("/Properties/Environment/Variables/OMNI_STATE_MACHINE_ARN"))
                .isEqualTo(Resources.ref(Resources.logicalId("AWS::StepFunctions::StateMachine", "Workflow")));
    }

    @Test
    void publicBaseUrlFromContextReplacesTheApisOwnUrl() {
        OmniserviceStack stack = Synthesized.synthesize(Map.of("publicBaseUrl", "https://omni.example.com"));
        JsonNode template = Synthesized.JSON.valueToTree(
                software.amazon.awscdk.assertions.Template.fromStack(stack).toJSON());
        template.get("Resources").forEach(r -> {
            if (r.get("Type").asText().equals("AWS::Lambda::Function")) {
                assertThat(r.at("/Properties/Environment/Variables/OMNI_PUBLIC_BASE_URL")
                                .asText())
                        .isEqualTo("https://omni.example.com");
            }
        });
    }

    @Test
    void httpApiRoutesTheContractsPathsToTheApiHandlersAliasWithThrottlingAndAccessLogs() {
        String alias = Resources.logicalId("AWS::Lambda::Alias", "ApiLive");
        List<String> routes = new ArrayList<>();
        for (JsonNode route : Resources.ofType("AWS::ApiGatewayV2::Route").values()) {
            routes.add(route.at("/Properties/RouteKey").asText());
            String integration = route.at("/Properties/Target/Fn::Join/1/1/Ref").asText();
            JsonNode target = Synthesized.json().at("/Resources/" + integration + "/Properties");
            assertThat(target.get("IntegrationType").asText()).isEqualTo("AWS_PROXY");
            assertThat(target.get("PayloadFormatVersion").asText()).isEqualTo("2.0");
            assertThat(target.get("IntegrationUri")).isEqualTo(Resources.ref(alias));
        }
        assertThat(routes)
                .containsExactlyInAnyOrder(
                        "ANY /webhooks/{proxy+}", "ANY /v1/{proxy+}", "GET /media/{proxy+}", "GET /health/{proxy+}");
        JsonNode stage =
                Resources.one("AWS::ApiGatewayV2::Stage", "ApiStage").getValue().get("Properties");
        assertThat(stage.get("StageName").asText()).isEqualTo("$default");
        assertThat(stage.get("AutoDeploy").asBoolean()).isTrue();
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingBurstLimit").asInt())
                .isEqualTo(OmniserviceStack.API_BURST_LIMIT);
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingRateLimit").asInt())
                .isEqualTo(OmniserviceStack.API_RATE_LIMIT);
        assertThat(stage.at("/AccessLogSettings/DestinationArn"))
                .isEqualTo(Resources.getAtt(Resources.logicalId("AWS::Logs::LogGroup", "ApiAccessLogs"), "Arn"));
        assertThat(stage.at("/AccessLogSettings/Format").asText())
                .contains("$context.requestId", "$context.status")
                .doesNotContain("$context.path");
    }

    @Test
    void changeEventsStreamStartsTheStreamHandlerOnInsertsOfEventsOnly() throws Exception {
        JsonNode mapping = mapping("StreamLive");
        assertThat(mapping.get("EventSourceArn")).isEqualTo(Resources.getAtt(table(Tables.CHANGE_EVENTS), "StreamArn"));
        assertStreamFailureHandling(mapping);
        assertThat(mapping.get("StartingPosition").asText()).isEqualTo("TRIM_HORIZON");
        assertThat(mapping.get("ParallelizationFactor").asInt()).isEqualTo(1);
        assertThat(mapping.get("BatchSize").asInt()).isEqualTo(100);
        assertThat(mapping.get("MaximumRetryAttempts").asInt()).isEqualTo(10);
        assertThat(mapping.get("MaximumRecordAgeInSeconds").asInt()).isEqualTo(6 * 3600);
        assertInsertsOfItemsWith(mapping, Tables.ChangeEvents.EVENT_ID);
    }

    @Test
    void deliveriesStreamWakesTheDeliveryHandlerOnNewDeliveries() throws Exception {
        JsonNode mapping = mapping("DeliveryLive");
        assertThat(mapping.get("EventSourceArn")).isEqualTo(Resources.getAtt(table(Tables.DELIVERIES), "StreamArn"));
        assertStreamFailureHandling(mapping);
        assertInsertsOfItemsWith(mapping, Tables.Deliveries.KIND);
    }

    @Test
    void theThreeSendQueuesFeedTheOutboundHandlerInBatchesOfTenWithPartialFailures() {
        Map<String, JsonNode> byQueue = new LinkedHashMap<>();
        Resources.ofType("AWS::Lambda::EventSourceMapping").forEach((id, mapping) -> {
            if (id.startsWith("OutboundLive")) {
                byQueue.put(
                        mapping.at("/Properties/EventSourceArn/Fn::GetAtt/0").asText(), mapping.get("Properties"));
            }
        });
        List<String> lanes = new ArrayList<>();
        for (Priority lane : Priority.values()) {
            String name = "Send" + Character.toUpperCase(lane.wireName().charAt(0))
                    + lane.wireName().substring(1);
            lanes.add(Resources.logicalId("AWS::SQS::Queue", name));
        }
        assertThat(byQueue.keySet()).containsExactlyInAnyOrderElementsOf(lanes);
        for (JsonNode mapping : byQueue.values()) {
            assertThat(mapping.get("BatchSize").asInt()).isEqualTo(10);
            assertThat(mapping.get("FunctionResponseTypes").toString()).isEqualTo("[\"ReportBatchItemFailures\"]");
            assertThat(mapping.at("/FunctionName").toString())
                    .contains(Resources.logicalId("AWS::Lambda::Alias", "OutboundLive"));
        }
        assertThat(Resources.ofType("AWS::Lambda::EventSourceMapping")).hasSize(5);
    }

    @Test
    void everyMinuteTheDeliveryAndSweepAliasesRunWithoutRetries() {
        JsonNode rule =
                Resources.one("AWS::Events::Rule", "EveryMinute").getValue().get("Properties");
        assertThat(rule.get("ScheduleExpression").asText()).isEqualTo("rate(1 minute)");
        List<JsonNode> targets = new ArrayList<>();
        rule.get("Targets").forEach(t -> targets.add(t.get("Arn")));
        assertThat(targets)
                .containsExactly(
                        Resources.ref(Resources.logicalId("AWS::Lambda::Alias", "DeliveryLive")),
                        Resources.ref(Resources.logicalId("AWS::Lambda::Alias", "SweepLive")));
        rule.get("Targets").forEach(t -> assertThat(
                        t.at("/RetryPolicy/MaximumRetryAttempts").asInt())
                .isZero());
    }

    private static void assertStreamFailureHandling(JsonNode mapping) {
        assertThat(mapping.get("BisectBatchOnFunctionError").asBoolean()).isTrue();
        assertThat(mapping.get("FunctionResponseTypes").toString()).isEqualTo("[\"ReportBatchItemFailures\"]");
        assertThat(mapping.at("/DestinationConfig/OnFailure/Destination"))
                .isEqualTo(Resources.getAtt(Resources.logicalId("AWS::SQS::Queue", "StreamFailures"), "Arn"));
        assertThat(mapping.get("MaximumRetryAttempts").asInt()).isPositive();
        assertThat(mapping.get("MaximumRecordAgeInSeconds").asInt()).isPositive();
    }

    /** The mapping's one filter passes INSERT records of items holding {@code attribute} (not head items). */
    private static void assertInsertsOfItemsWith(JsonNode mapping, String attribute) throws Exception {
        assertThat(mapping.at("/FilterCriteria/Filters")).hasSize(1);
        JsonNode pattern = Synthesized.JSON.readTree(
                mapping.at("/FilterCriteria/Filters/0/Pattern").asText());
        assertThat(pattern.get("eventName").toString()).isEqualTo("[\"INSERT\"]");
        assertThat(pattern.at("/dynamodb/NewImage/" + attribute + "/S/0/exists").asBoolean())
                .isTrue();
    }

    private static JsonNode mapping(String aliasPrefix) {
        return Resources.one("AWS::Lambda::EventSourceMapping", aliasPrefix)
                .getValue()
                .get("Properties");
    }

    static String table(Tables.Design design) {
        return Resources.logicalId(
                "AWS::DynamoDB::Table",
                "Table"
                        + String.join(
                                "",
                                java.util.Arrays.stream(design.suffix().split("-"))
                                        .map(p -> Character.toUpperCase(p.charAt(0)) + p.substring(1))
                                        .toList()));
    }

    static Map.Entry<String, JsonNode> function(LambdaHandler handler) {
        return Resources.one("AWS::Lambda::Function", handler.id() + "Function");
    }
}
