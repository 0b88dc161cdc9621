package io.omniservice.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.http4k.connect.amazon.dynamodb.FakeDynamoDb;
import org.http4k.server.Http4kServerKt;
import org.http4k.server.SunHttp;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

class EmulatorsStartTest {
    @Test
    void dynamoDbFakeAndElasticMqAnswerTheSdk() {
        var dynamo = Http4kServerKt.asServer(new FakeDynamoDb(), new SunHttp(0)).start();
        var sqs = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        try {
            var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
            try (DynamoDbClient client = DynamoDbClient.builder()
                    .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port()))
                    .region(Region.US_EAST_1)
                    .credentialsProvider(credentials)
                    .build()) {
                assertThat(client.listTables().tableNames()).isEmpty();
            }
            int port = sqs.waitUntilStarted().localAddress().getPort();
            try (SqsClient client = SqsClient.builder()
                    .endpointOverride(URI.create("http://127.0.0.1:" + port))
                    .region(Region.US_EAST_1)
                    .credentialsProvider(credentials)
                    .build()) {
                assertThat(client.listQueues().queueUrls()).isEmpty();
            }
        } finally {
            dynamo.stop();
            sqs.stopAndWait();
        }
    }
}
