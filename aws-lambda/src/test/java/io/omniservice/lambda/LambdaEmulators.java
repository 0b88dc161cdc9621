package io.omniservice.lambda;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.omniservice.aws.AwsStandIns;
import io.omniservice.aws.dynamo.FakeDynamo;
import io.omniservice.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The AWS services a function instance talks to, on loopback ports in the test JVM: DynamoDB, SQS and S3
 * ({@link AwsStandIns}), and WireMock answering Secrets Manager's and Step Functions' JSON protocols (the
 * deployment's secrets: the API key and one Twilio account), and the environment the CDK app would give.
 */
final class LambdaEmulators implements AutoCloseable {
    static final String ACCESS_KEY = "lambda-test";
    static final String SECRET_KEY = "lambda-test-secret";
    static final String REGION = "us-east-1";
    static final String BUCKET = "omniservice-media";
    static final String PUBLIC_BASE_URL = "https://omni.example.com";
    static final String API_KEY = "lambda-test-api-key-0123456789abcdef0123456789";
    static final String TWILIO_SID = "AC" + "0123456789abcdef0123456789abcdef";
    static final String TWILIO_TOKEN = "lambda-test-twilio-auth-token";
    static final String STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:omniservice-workflow";

    final AwsStandIns services;
    final FakeDynamo dynamo;
    final int sqsPort;
    final WireMockServer aws;
    final String prefix;
    final ByteArrayOutputStream metrics = new ByteArrayOutputStream();

    LambdaEmulators(String name) throws Exception {
        prefix = FakeDynamo.uniquePrefix(name);
        services = AwsStandIns.start(ACCESS_KEY, SECRET_KEY, BUCKET);
        dynamo = services.dynamo();
        sqsPort = services.sqsPort();
        aws = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        aws.start();
        secret("omni/api", Map.of("name", "default", "key", API_KEY));
        secret(
                "omni/carriers/twilio/default",
                Map.of("accountSid", TWILIO_SID, "authToken", TWILIO_TOKEN, "from", "+14155550199"));
    }

    /** Secrets Manager's {@code GetSecretValue} for one secret, as its JSON protocol answers. */
    void secret(String name, Map<String, String> value) {
        aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .withRequestBody(containing("\"" + name + "\""))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody(Json.text(Map.of(
                                "ARN",
                                "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf",
                                "Name",
                                name,
                                "SecretString",
                                Json.text(value),
                                "VersionId",
                                "v1",
                                "CreatedDate",
                                1.7e9)))));
    }

    /** The environment the CDK app gives every function, pointed at these stand-ins. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OMNI_REGION", REGION);
        env.put("OMNI_TABLE_PREFIX", prefix);
        env.put("OMNI_SEND_QUEUE", prefix + "sends");
        env.put("OMNI_MEDIA_BUCKET", BUCKET);
        env.put("OMNI_SECRETS_PREFIX", "omni/");
        env.put("OMNI_PUBLIC_BASE_URL", PUBLIC_BASE_URL);
        env.put("OMNI_CARRIER_ACCOUNTS", "twilio=default");
        env.put("OMNI_STATE_MACHINE_ARN", STATE_MACHINE);
        env.put("OMNI_CREATE_TABLES", "true");
        env.put("OMNI_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("OMNI_SECRET_ACCESS_KEY", SECRET_KEY);
        env.put(
                "OMNI_ENDPOINTS",
                "dynamodb=" + dynamo.endpoint() + ",sqs=" + services.sqsEndpoint() + ",s3=" + services.s3Endpoint()
                        + ",secretsmanager=" + aws.baseUrl() + ",states=" + aws.baseUrl());
        return env;
    }

    LambdaGateway open() {
        return open(Map.of(), Clock.systemUTC());
    }

    /** A function instance whose environment has {@code more} over {@link #env()}, on {@code clock}. */
    LambdaGateway open(Map<String, String> more, Clock clock) {
        Map<String, String> env = env();
        env.putAll(more);
        return LambdaGateway.open(
                env,
                clock,
                io.omniservice.core.net.HostResolver.SYSTEM,
                new PrintStream(metrics, true, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        try {
            aws.stop();
        } finally {
            services.close();
        }
    }
}
