package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.AwsStorage;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The send queues as {@code SendQueue} checks them at start, the event topic, the media bucket, the secrets. */
class MessagingTemplateTest {
    private static final SendQueueSettings QUEUE =
            new SendQueueSettings(DeploymentSettings.DEFAULT_SEND_QUEUE, AwsStorage.MAX_RECEIVES, false);

    @Test
    void eachPriorityHasAFifoQueueThatRedrivesToTheDeadLetterQueueAfterTheCheckedReceiveCount() {
        String dead = Resources.logicalId("AWS::SQS::Queue", "SendDeadLetters");
        for (Priority lane : Priority.values()) {
            JsonNode properties = queue(QUEUE.queueName(lane)).get("Properties");
            assertThat(properties.get("FifoQueue").asBoolean()).isTrue();
            assertThat(properties.get("ContentBasedDeduplication").asBoolean()).isFalse();
            assertThat(properties.at("/RedrivePolicy/deadLetterTargetArn")).isEqualTo(Resources.getAtt(dead, "Arn"));
            assertThat(properties.at("/RedrivePolicy/maxReceiveCount").asInt()).isEqualTo(AwsStorage.MAX_RECEIVES);
            assertThat(properties.get("VisibilityTimeout").asInt())
                    .isGreaterThanOrEqualTo(6 * LambdaHandler.OUTBOUND.timeoutSeconds());
            assertThat(properties.get("SqsManagedSseEnabled").asBoolean()).isTrue();
        }
        JsonNode deadQueue = queue(QUEUE.deadLetterQueueName()).get("Properties");
        assertThat(deadQueue.get("FifoQueue").asBoolean()).isTrue();
        assertThat(deadQueue.get("MessageRetentionPeriod").asInt()).isEqualTo(14 * 24 * 3600);
    }

    @Test
    void everyQueueRefusesUnencryptedTransport() {
        assertThat(Resources.ofType("AWS::SQS::QueuePolicy")).hasSize(5);
        for (JsonNode policy : Resources.ofType("AWS::SQS::QueuePolicy").values()) {
            assertThat(policy.at("/Properties/PolicyDocument/Statement").toString())
                    .contains("\"Effect\":\"Deny\"")
                    .contains("\"aws:SecureTransport\":\"false\"");
        }
    }

    @Test
    void eventTopicIsFifoWithTheDeduplicationIdsThePublisherSends() {
        JsonNode topic = Resources.one("AWS::SNS::Topic", "Events").getValue().get("Properties");
        assertThat(topic.get("TopicName").asText()).isEqualTo("omniservice-events.fifo");
        assertThat(topic.get("FifoTopic").asBoolean()).isTrue();
        assertThat(topic.get("ContentBasedDeduplication").asBoolean()).isFalse();
    }

    @Test
    void mediaBucketIsPrivateEncryptedTlsOnlyAndExpiresQuarantine() {
        Map.Entry<String, JsonNode> bucket = Resources.one("AWS::S3::Bucket", "Media");
        JsonNode properties = bucket.getValue().get("Properties");
        assertThat(properties
                        .at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault"
                                + "/SSEAlgorithm")
                        .asText())
                .isEqualTo("AES256");
        JsonNode block = properties.get("PublicAccessBlockConfiguration");
        for (String flag :
                List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
            assertThat(block.get(flag).asBoolean()).as(flag).isTrue();
        }
        List<String> rules = new ArrayList<>();
        for (JsonNode rule : properties.at("/LifecycleConfiguration/Rules")) {
            rules.add(rule.get("Id").asText());
            if (rule.get("Id").asText().equals("expire-quarantine")) {
                assertThat(rule.get("Prefix").asText()).isEqualTo(MediaKeys.QUARANTINE);
                assertThat(rule.get("ExpirationInDays").asInt()).isEqualTo(30);
            }
        }
        assertThat(rules).containsExactly("abort-incomplete-uploads", "expire-quarantine", "tier-after-30-days");
        assertThat(bucket.getValue().get("DeletionPolicy").asText()).isEqualTo("Retain");
        JsonNode policy = Resources.one("AWS::S3::BucketPolicy", "MediaPolicy").getValue();
        assertThat(policy.at("/Properties/PolicyDocument/Statement").toString())
                .contains("\"Effect\":\"Deny\"")
                .contains("\"aws:SecureTransport\":\"false\"");
    }

    @Test
    void everyCarriersDefaultAccountAndTheApiHaveASecretWithTheConfigurationKeys() throws Exception {
        Map<String, JsonNode> secrets = secretsByName();
        List<String> expected = new ArrayList<>();
        for (CarrierType carrier : CarrierType.values()) {
            expected.add("omniservice/carriers/" + carrier.wireName() + "/default");
        }
        expected.add("omniservice/api");
        assertThat(secrets.keySet()).containsExactlyElementsOf(expected);
        for (CarrierType carrier : CarrierType.values()) {
            JsonNode properties = secrets.get("omniservice/carriers/" + carrier.wireName() + "/default");
            String generated = CarrierSecrets.GENERATED.get(carrier);
            List<String> keys = new ArrayList<>();
            if (generated == null) {
                Synthesized.JSON
                        .readTree(properties.get("SecretString").asText())
                        .fieldNames()
                        .forEachRemaining(keys::add);
            } else {
                JsonNode generator = properties.get("GenerateSecretString");
                assertThat(generator.get("GenerateStringKey").asText()).isEqualTo(generated);
                Synthesized.JSON
                        .readTree(generator.get("SecretStringTemplate").asText())
                        .fieldNames()
                        .forEachRemaining(keys::add);
                keys.add(generated);
            }
            assertThat(keys)
                    .as(carrier.wireName())
                    .containsExactlyInAnyOrderElementsOf(CarrierSecrets.KEYS.get(carrier));
        }
        assertThat(secrets.get("omniservice/api")
                        .at("/GenerateSecretString/GenerateStringKey")
                        .asText())
                .isEqualTo("key");
    }

    @Test
    void moreCarrierAccountsComeFromContext() {
        OmniserviceStack stack = Synthesized.synthesize(Map.of("carrierAccounts", "twilio=default,eu;livechat=none"));
        JsonNode template = Synthesized.JSON.valueToTree(
                software.amazon.awscdk.assertions.Template.fromStack(stack).toJSON());
        List<String> names = new ArrayList<>();
        template.get("Resources").forEach(r -> {
            if (r.get("Type").asText().equals("AWS::SecretsManager::Secret")) {
                names.add(r.at("/Properties/Name").asText());
            }
        });
        assertThat(names)
                .contains("omniservice/carriers/twilio/default", "omniservice/carriers/twilio/eu")
                .doesNotContain("omniservice/carriers/livechat/default")
                .hasSize(7);
    }

    private static Map<String, JsonNode> secretsByName() {
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        Resources.ofType("AWS::SecretsManager::Secret")
                .values()
                .forEach(s -> byName.put(s.at("/Properties/Name").asText(), s.get("Properties")));
        return byName;
    }

    private static JsonNode queue(String name) {
        return Resources.ofType("AWS::SQS::Queue").values().stream()
                .filter(q -> q.at("/Properties/QueueName").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no queue " + name));
    }
}
