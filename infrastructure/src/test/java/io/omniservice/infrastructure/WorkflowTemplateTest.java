package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-event workflow as the contract with the step handlers describes it, checked in the synthesized
 * definition and by AWS Labs' {@code asl-validator} (pinned in {@code tools/aws-emulators}).
 */
class WorkflowTemplateTest {
    @TempDir
    Path temp;

    @Test
    void standardWorkflowWithTracingAndLogsWithoutExecutionData() {
        JsonNode machine = machine();
        assertThat(machine.get("StateMachineType").asText()).isEqualTo("STANDARD");
        assertThat(machine.get("StateMachineName").asText()).isEqualTo("omniservice-workflow");
        assertThat(machine.at("/TracingConfiguration/Enabled").asBoolean()).isTrue();
        assertThat(machine.at("/LoggingConfiguration/Level").asText()).isEqualTo("ALL");
        assertThat(machine.at("/LoggingConfiguration/IncludeExecutionData").asBoolean())
                .isFalse();
    }

    @Test
    void stepsRunInTheContractsOrderThroughTheirHandlersAliases() throws Exception {
        JsonNode definition = definition();
        assertThat(definition.get("StartAt").asText()).isEqualTo("Compliance");
        List<String> order = new ArrayList<>();
        for (String state = "Compliance"; state != null; ) {
            order.add(state);
            JsonNode next = definition.at("/States/" + state + "/Next");
            state = next.isMissingNode() ? null : next.asText();
        }
        assertThat(order).containsExactly("Compliance", "MediaConversion", "Rules", "Notification", "Done");
        assertThat(definition.at("/States/Done/Type").asText()).isEqualTo("Succeed");
        List<LambdaHandler> handlers = List.of(
                LambdaHandler.COMPLIANCE_STEP,
                LambdaHandler.MEDIA_STEP,
                LambdaHandler.RULES_STEP,
                LambdaHandler.NOTIFICATION_STEP);
        for (int i = 0; i < OmniserviceStack.STEPS.size(); i++) {
            JsonNode task = definition.at("/States/" + OmniserviceStack.STEPS.get(i));
            assertLambdaInvoke(task, handlers.get(i));
        }
        assertLambdaInvoke(definition.at("/States/DeadLetter"), LambdaHandler.DEAD_LETTER_STEP);
        assertThat(definition.at("/States/DeadLetter/Next").asText()).isEqualTo("Failed");
        assertThat(definition.at("/States/Failed/Type").asText()).isEqualTo("Fail");
    }

    @Test
    void eachStepRetriesTransientFailuresAndWaitsForEarlierEventsThenDeadLetters() throws Exception {
        JsonNode definition = definition();
        for (String step : OmniserviceStack.STEPS) {
            JsonNode retry = definition.at("/States/" + step + "/Retry");
            assertThat(retry).hasSize(2);
            assertThat(texts(retry.get(0).get("ErrorEquals")))
                    .containsExactly(
                            "io.omniservice.lambda.OmniserviceRetry",
                            "Lambda.ServiceException",
                            "Lambda.AWSLambdaException",
                            "Lambda.SdkClientException",
                            "Lambda.TooManyRequestsException");
            assertThat(retry.get(0).get("IntervalSeconds").asInt()).isEqualTo(1);
            assertThat(retry.get(0).get("BackoffRate").asDouble()).isEqualTo(2.0);
            assertThat(retry.get(0).get("MaxAttempts").asInt()).isEqualTo(5);
            assertThat(retry.get(0).get("MaxDelaySeconds").asInt()).isEqualTo(60);
            assertThat(texts(retry.get(1).get("ErrorEquals")))
                    .containsExactly("io.omniservice.lambda.EarlierEventPending");
            assertThat(retry.get(1).get("IntervalSeconds").asInt()).isEqualTo(2);
            assertThat(retry.get(1).get("BackoffRate").asDouble()).isEqualTo(1.5);
            assertThat(retry.get(1).get("MaxAttempts").asInt()).isEqualTo(20);
            JsonNode katch = definition.at("/States/" + step + "/Catch");
            assertThat(katch).hasSize(1);
            assertThat(texts(katch.get(0).get("ErrorEquals"))).containsExactly("States.ALL");
            assertThat(katch.get(0).get("ResultPath").asText()).isEqualTo("$.error");
            assertThat(katch.get(0).get("Next").asText()).isEqualTo("DeadLetter");
        }
    }

    @Test
    void theFunctionThatStartsExecutionsIsNoneOfTheirTasks() throws Exception {
        String stream = Resources.logicalId("AWS::Lambda::Alias", "StreamLive");
        assertThat(machine().get("DefinitionString").toString()).doesNotContain(stream);
    }

    @Test
    void aslValidatorAcceptsTheDefinition() throws Exception {
        Path file = temp.resolve("workflow.asl.json");
        Files.writeString(file, Synthesized.JSON.writeValueAsString(definition()));
        assertThat(validate(file)).startsWith("0:");
    }

    /** Shows the validator is not a formality: the same definition without its start state is refused. */
    @Test
    void aslValidatorRefusesADefinitionWithoutItsStartState() throws Exception {
        ObjectNode broken = (ObjectNode) definition().deepCopy();
        broken.put("StartAt", "Nowhere");
        Path file = temp.resolve("broken.asl.json");
        Files.writeString(file, Synthesized.JSON.writeValueAsString(broken));
        assertThat(validate(file)).doesNotStartWith("0:");
    }

    private static void assertLambdaInvoke(JsonNode task, LambdaHandler handler) {
        assertThat(task.get("Type").asText()).isEqualTo("Task");
        assertThat(task.get("Resource").asText()).isEqualTo("arn:aws:states:::lambda:invoke");
        assertThat(task.at("/Parameters/Payload.$").asText()).isEqualTo("$");
        assertThat(task.get("OutputPath").asText()).isEqualTo("$.Payload");
        assertThat(task.at("/Parameters/FunctionName").asText())
                .isEqualTo(aliasArn(Resources.logicalId("AWS::Lambda::Alias", handler.id() + "Live")));
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(t -> texts.add(t.asText()));
        return texts;
    }

    private static JsonNode machine() {
        return Resources.one("AWS::StepFunctions::StateMachine", "Workflow")
                .getValue()
                .get("Properties");
    }

    /**
     * The definition with CloudFormation's references resolved as a deployment would: the partition is
     * {@code aws}, an alias's Ref its ARN.
     */
    static JsonNode definition() throws IOException {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : machine().at("/DefinitionString/Fn::Join/1")) {
            if (part.isTextual()) {
                text.append(part.asText());
            } else if (part.has("Ref") && part.get("Ref").asText().equals("AWS::Partition")) {
                text.append("aws");
            } else if (part.has("Ref")) {
                text.append(aliasArn(part.get("Ref").asText()));
            } else {
                throw new AssertionError("unexpected part of the definition: " + part);
            }
        }
        return Synthesized.JSON.readTree(text.toString());
    }

    private static String aliasArn(String logicalId) {
        return "arn:aws:lambda:us-east-1:123456789012:function:" + logicalId + ":live";
    }

    /** {@code <exit code>: <output>} of asl-validator on {@code file}, run on the pinned node. */
    private static String validate(Path file) throws Exception {
        Synthesized.requireNode();
        Path validator = Synthesized.repository()
                .resolve("tools/aws-emulators/node_modules/asl-validator/dist/bin/asl-validator.js");
        assertThat(validator)
                .as("asl-validator is installed by (cd tools/aws-emulators && npm ci)")
                .isRegularFile();
        Process process = new ProcessBuilder(
                        System.getenv("JSII_NODE"), validator.toString(), "--json-path", file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue() + ": " + output;
    }
}
