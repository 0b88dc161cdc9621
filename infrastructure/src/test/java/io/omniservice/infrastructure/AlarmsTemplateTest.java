package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.model.CarrierType;
import org.junit.jupiter.api.Test;

/** The alarms of the deployment, each notifying the alarm topic. */
class AlarmsTemplateTest {

    @Test
    void deadLetterQueuesAlarmOnTheirFirstMessage() {
        assertQueueAlarm("SendDeadLettersAlarm", "SendDeadLetters");
        assertQueueAlarm("StreamFailuresAlarm", "StreamFailures");
    }

    @Test
    void everyFunctionAlarmsOnErrorsAndThrottles() {
        for (LambdaHandler handler : LambdaHandler.values()) {
            String function = FunctionsTemplateTest.function(handler).getKey();
            for (String metric : new String[] {"Errors", "Throttles"}) {
                JsonNode alarm = alarm(handler.id() + metric + "Alarm");
                assertThat(alarm.get("Namespace").asText()).isEqualTo("AWS/Lambda");
                assertThat(alarm.get("MetricName").asText()).isEqualTo(metric);
                assertThat(alarm.at("/Dimensions/0/Name").asText()).isEqualTo("FunctionName");
                assertThat(alarm.at("/Dimensions/0/Value")).isEqualTo(Resources.ref(function));
                assertThat(alarm.get("Threshold").asDouble()).isEqualTo(1.0);
            }
        }
    }

    @Test
    void streamConsumersAlarmWhenAMinuteBehind() {
        for (LambdaHandler handler : new LambdaHandler[] {LambdaHandler.STREAM, LambdaHandler.DELIVERY}) {
            JsonNode alarm = alarm(handler.id() + "IteratorAgeAlarm");
            assertThat(alarm.get("MetricName").asText()).isEqualTo("IteratorAge");
            assertThat(alarm.get("Statistic").asText()).isEqualTo("Maximum");
            assertThat(alarm.get("Threshold").asDouble()).isEqualTo(60_000.0);
            // the alias's own metric: Lambda reports a stream consumer's iterator age per version or alias
            assertThat(alarm.get("Dimensions").toString())
                    .contains("\"Name\":\"Resource\"")
                    .contains(FunctionsTemplateTest.function(handler).getKey())
                    .contains(":live");
        }
    }

    @Test
    void failedWorkflowExecutionsAlarm() {
        JsonNode alarm = alarm("WorkflowFailedAlarm");
        assertThat(alarm.get("Namespace").asText()).isEqualTo("AWS/States");
        assertThat(alarm.get("MetricName").asText()).isEqualTo("ExecutionsFailed");
        assertThat(alarm.at("/Dimensions/0/Value"))
                .isEqualTo(Resources.ref(Resources.logicalId("AWS::StepFunctions::StateMachine", "Workflow")));
    }

    @Test
    void eachCarriersOpenBreakerAlarmsOnTheMetricTheOutboundRouterEmits() {
        for (CarrierType carrier : CarrierType.values()) {
            String name = Character.toUpperCase(carrier.wireName().charAt(0))
                    + carrier.wireName().substring(1);
            JsonNode alarm = alarm("BreakerOpen" + name + "Alarm");
            assertThat(alarm.get("Namespace").asText()).isEqualTo("Omniservice");
            assertThat(alarm.get("MetricName").asText()).isEqualTo("CarrierBreakerOpen");
            assertThat(alarm.at("/Dimensions/0/Name").asText()).isEqualTo("carrier");
            assertThat(alarm.at("/Dimensions/0/Value").asText()).isEqualTo(carrier.wireName());
            assertThat(alarm.get("Period").asInt()).isEqualTo(60);
            assertThat(alarm.get("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
        }
    }

    @Test
    void everyAlarmNotifiesTheAlarmTopicAndMissingDataIsNotABreach() {
        JsonNode topic = Resources.ref(Resources.logicalId("AWS::SNS::Topic", "Alarms"));
        int alarms = Resources.ofType("AWS::CloudWatch::Alarm").size();
        assertThat(alarms).isEqualTo(2 + 2 * LambdaHandler.values().length + 2 + 1 + CarrierType.values().length);
        for (JsonNode alarm : Resources.ofType("AWS::CloudWatch::Alarm").values()) {
            assertThat(alarm.at("/Properties/AlarmActions/0")).isEqualTo(topic);
            assertThat(alarm.at("/Properties/TreatMissingData").asText()).isEqualTo("notBreaching");
        }
    }

    private static void assertQueueAlarm(String alarmId, String queueId) {
        JsonNode alarm = alarm(alarmId);
        assertThat(alarm.get("Namespace").asText()).isEqualTo("AWS/SQS");
        assertThat(alarm.get("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
        assertThat(alarm.at("/Dimensions/0/Value"))
                .isEqualTo(Resources.getAtt(Resources.logicalId("AWS::SQS::Queue", queueId), "QueueName"));
        assertThat(alarm.get("Threshold").asDouble()).isEqualTo(1.0);
    }

    private static JsonNode alarm(String prefix) {
        return Resources.one("AWS::CloudWatch::Alarm", prefix).getValue().get("Properties");
    }
}
