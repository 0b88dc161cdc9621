package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.dynamo.Tables.Design;
import io.omniservice.core.outbound.Priority;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each function's role allows exactly what {@link Access#matrix()} writes down for it. */
class GrantsTemplateTest {
    private static final Map<LambdaHandler, Access> MATRIX = Access.matrix();

    @Test
    void tablesAreReadAndWrittenPerTheMatrix() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            Map<String, Set<String>> allowed = allowed(handler);
            Access access = MATRIX.get(handler);
            for (Design design : Tables.ALL) {
                Set<String> actions = allowed.getOrDefault(
                        Resources.getAtt(FunctionsTemplateTest.table(design), "Arn")
                                .toString(),
                        Set.of());
                String what = handler.id() + " on " + design.suffix();
                assertThat(actions.contains("dynamodb:GetItem"))
                        .as(what + " reads")
                        .isEqualTo(access.reads(design));
                assertThat(actions.contains("dynamodb:PutItem"))
                        .as(what + " writes")
                        .isEqualTo(access.writes(design));
                assertThat(actions.contains("dynamodb:UpdateItem"))
                        .as(what + " updates")
                        .isEqualTo(access.writes(design));
            }
        }
    }

    @Test
    void theStreamProcessorStartsExecutionsButCannotWriteSends() {
        Map<String, Set<String>> stream = allowed(LambdaHandler.STREAM);
        String sends = Resources.getAtt(FunctionsTemplateTest.table(Tables.SENDS), "Arn")
                .toString();
        assertThat(stream.getOrDefault(sends, Set.of())).isEmpty();
        String workflow = Resources.ref(Resources.logicalId("AWS::StepFunctions::StateMachine", "Workflow"))
                .toString();
        assertThat(stream.get(workflow)).contains("states:StartExecution");
    }

    @Test
    void onlyTheMatrixsFunctionsStartExecutionsPublishOrTouchTheBucket() {
        String workflow = Resources.ref(Resources.logicalId("AWS::StepFunctions::StateMachine", "Workflow"))
                .toString();
        String topic =
                Resources.ref(Resources.logicalId("AWS::SNS::Topic", "Events")).toString();
        String bucket = Resources.getAtt(Resources.logicalId("AWS::S3::Bucket", "Media"), "Arn")
                .toString();
        for (LambdaHandler handler : LambdaHandler.values()) {
            Access access = MATRIX.get(handler);
            Map<String, Set<String>> allowed = allowed(handler);
            assertThat(allowed.getOrDefault(workflow, Set.of()).contains("states:StartExecution"))
                    .as(handler.id())
                    .isEqualTo(access.startWorkflow());
            assertThat(allowed.getOrDefault(topic, Set.of()).contains("sns:Publish"))
                    .as(handler.id())
                    .isEqualTo(access.publishEvents());
            Set<String> onBucket = allowed.getOrDefault(bucket, Set.of());
            assertThat(onBucket.contains("s3:GetObject*"))
                    .as(handler.id() + " reads media")
                    .isEqualTo(access.bucket() != Access.BucketAccess.NONE);
            assertThat(onBucket.contains("s3:PutObject"))
                    .as(handler.id() + " writes media")
                    .isEqualTo(access.bucket() == Access.BucketAccess.READ_WRITE);
        }
    }

    @Test
    void sendQueuesAreWrittenAndReadPerTheMatrix() {
        String dead = Resources.getAtt(Resources.logicalId("AWS::SQS::Queue", "SendDeadLetters"), "Arn")
                .toString();
        for (LambdaHandler handler : LambdaHandler.values()) {
            Access access = MATRIX.get(handler);
            Map<String, Set<String>> allowed = allowed(handler);
            for (Priority lane : Priority.values()) {
                String name = "Send" + Character.toUpperCase(lane.wireName().charAt(0))
                        + lane.wireName().substring(1);
                Set<String> actions = allowed.getOrDefault(
                        Resources.getAtt(Resources.logicalId("AWS::SQS::Queue", name), "Arn")
                                .toString(),
                        Set.of());
                assertThat(actions)
                        .as(handler.id() + " checks " + name)
                        .contains("sqs:GetQueueUrl", "sqs:GetQueueAttributes");
                assertThat(actions.contains("sqs:SendMessage"))
                        .as(handler.id() + " sends to " + name)
                        .isEqualTo(access.sendToLanes());
                assertThat(actions.contains("sqs:ReceiveMessage"))
                        .as(handler.id() + " receives from " + name)
                        .isEqualTo(access.consumeLanes());
            }
            Set<String> onDead = allowed.getOrDefault(dead, Set.of());
            assertThat(onDead).contains("sqs:GetQueueUrl", "sqs:GetQueueAttributes");
            assertThat(onDead.contains("sqs:ReceiveMessage")).as(handler.id()).isEqualTo(access.consumeDeadQueue());
            assertThat(onDead).doesNotContain("sqs:SendMessage");
        }
    }

    @Test
    void everyFunctionReadsTheSecretsItsConfigurationRefersToAndNoneWritesThem() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            Map<String, Set<String>> allowed = allowed(handler);
            for (String secret : Resources.ofType("AWS::SecretsManager::Secret").keySet()) {
                assertThat(allowed.get(Resources.ref(secret).toString()))
                        .as(handler.id() + " on " + secret)
                        .containsExactlyInAnyOrder("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret");
            }
        }
    }

    @Test
    void noFunctionIsAllowedEverythingOnAnything() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            allowed(handler).forEach((resource, actions) -> {
                assertThat(actions)
                        .as(handler.id() + " on " + resource)
                        .noneMatch(a -> a.endsWith(":*") || a.equals("*"));
                if (resource.equals("\"*\"")) {
                    assertThat(actions)
                            .as(handler.id() + " on every resource")
                            .isSubsetOf("xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams");
                }
            });
        }
    }

    /** Resource (as template JSON text) → the actions the function's role policy allows on it. */
    private static Map<String, Set<String>> allowed(LambdaHandler handler) {
        JsonNode role = FunctionsTemplateTest.function(handler).getValue().at("/Properties/Role/Fn::GetAtt/0");
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        for (JsonNode policy : Resources.ofType("AWS::IAM::Policy").values()) {
            boolean ours = false;
            for (JsonNode attached : policy.at("/Properties/Roles")) {
                ours |= attached.path("Ref").asText().equals(role.asText());
            }
            if (!ours) {
                continue;
            }
            for (JsonNode statement : policy.at("/Properties/PolicyDocument/Statement")) {
                assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
                List<JsonNode> resources = statement.get("Resource").isArray()
                        ? iterable(statement.get("Resource"))
                        : List.of(statement.get("Resource"));
                List<JsonNode> actions = statement.get("Action").isArray()
                        ? iterable(statement.get("Action"))
                        : List.of(statement.get("Action"));
                for (JsonNode resource : resources) {
                    Set<String> set = allowed.computeIfAbsent(resource.toString(), r -> new LinkedHashSet<>());
                    actions.forEach(a -> set.add(a.asText()));
                }
            }
        }
        assertThat(allowed).as(handler.id() + " has a policy").isNotEmpty();
        return allowed;
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> list = new java.util.ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
