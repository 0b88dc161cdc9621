package io.omniservice.server.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.json.Json;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * AWS Secrets Manager as WireMock plays it: {@code GetSecretValue} over the JSON protocol, answered with the
 * documented response, or with the documented {@code ResourceNotFoundException} body.
 */
public final class PlayedSecretsManager implements AutoCloseable {
    private static final String GET_SECRET_VALUE = "secretsmanager.GetSecretValue";

    private final WireMockServer server =
            new WireMockServer(WireMockConfiguration.options().dynamicPort());

    public PlayedSecretsManager() {
        server.start();
    }

    /**
     * The {@code secrets:} section that points the gateway at this stand-in (with static credentials, so the
     * SDK never looks for an instance role), with {@code cacheTtlSeconds}.
     */
    public String yaml(int cacheTtlSeconds) {
        return """
                secrets:
                  secretsManager:
                    region: us-east-1
                    endpoint: %s
                    accessKeyId: test-key-id
                    secretAccessKey: test-secret-key
                    cacheTtlSeconds: %d
                """.formatted(server.baseUrl(), cacheTtlSeconds);
    }

    /** The secret's string becomes this JSON object (a rotation, when it was something else). */
    public void secret(String secretId, Map<String, String> keys) {
        secretString(secretId, Json.text(keys));
    }

    public void secretString(String secretId, String value) {
        server.stubFor(getSecretValue(secretId)
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody(Json.text(Map.of(
                                "ARN",
                                "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + secretId + "-AbCdEf",
                                "Name",
                                secretId,
                                "SecretString",
                                value,
                                "VersionId",
                                UUID.randomUUID().toString(),
                                "VersionStages",
                                List.of("AWSCURRENT"),
                                "CreatedDate",
                                1.7727e9)))));
    }

    public void notFound(String secretId) {
        server.stubFor(getSecretValue(secretId)
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody(Json.text(Map.of(
                                "__type", "ResourceNotFoundException",
                                "Message", "Secrets Manager can't find the specified secret.")))));
    }

    /** How often the secret was asked for. */
    public int reads(String secretId) {
        return server.findAll(postRequestedFor(urlEqualTo("/"))
                        .withHeader("X-Amz-Target", equalTo(GET_SECRET_VALUE))
                        .withRequestBody(equalToJson("{\"SecretId\":\"" + secretId + "\"}")))
                .size();
    }

    /** How many requests of any kind it got. */
    public int requests() {
        return server.getAllServeEvents().size();
    }

    private static MappingBuilder getSecretValue(String secretId) {
        return post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(GET_SECRET_VALUE))
                .withRequestBody(equalToJson("{\"SecretId\":\"" + secretId + "\"}"));
    }

    @Override
    public void close() {
        server.stop();
    }
}
