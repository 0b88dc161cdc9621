package io.omniservice.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The AWS SDK clients of the AWS mode, built one way from {@link AwsSettings}: the settings' region, the
 * service's endpoint when one is given, fixed credentials or the default chain, and the JDK's HTTP client
 * (no Netty or Apache HttpClient in the jar). The caller closes what it builds.
 */
public final class AwsClients {
    private final AwsSettings settings;

    public AwsClients(AwsSettings settings) {
        this.settings = settings;
    }

    public DynamoDbClient dynamoDb() {
        return configured(DynamoDbClient.builder(), "dynamodb").build();
    }

    public SqsClient sqs() {
        return configured(SqsClient.builder(), "sqs").build();
    }

    public SnsClient sns() {
        return configured(SnsClient.builder(), "sns").build();
    }

    public SecretsManagerClient secretsManager() {
        return configured(SecretsManagerClient.builder(), "secretsmanager").build();
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configured(B builder, String service) {
        builder.region(Region.of(settings.region()))
                .credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        URI endpoint = settings.endpoints().get(service);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }

    private AwsCredentialsProvider credentials() {
        return settings.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    }
}
