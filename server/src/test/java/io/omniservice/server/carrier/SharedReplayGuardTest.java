package io.omniservice.server.carrier;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-time webhook tokens are kept by the store, not by the process: a MessageBird webhook whose signed
 * token one process accepted is refused by the next process on the same store, as it is by another node
 * on the same database (the store contract tests that sharing directly).
 */
class SharedReplayGuardTest {
    @TempDir
    Path data;

    @Test
    void aTokenAcceptedBeforeARestartIsRefusedAfterIt() {
        HttpRequest signed;
        try (RunningGateway first = gateway()) {
            signed = InboundWebhooks.messageBirdImage(
                    first, "8a1b6d1c0e5f4c49b0b4d37c1f2f0a11", "http://127.0.0.1:9/image.png");
            HttpResponse<String> accepted = first.send(HttpRequest.newBuilder(signed, (name, value) -> true));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        }
        try (RunningGateway second = gateway()) {
            HttpResponse<String> replayed = second.send(
                    HttpRequest.newBuilder(signed, (name, value) -> true).uri(second.uri("/webhooks/messagebird")));
            assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(403);
            assertThat(replayed.body()).contains("already been used");
        }
    }

    private RunningGateway gateway() {
        return new RunningGateway(
                data,
                1 << 20,
                InboundWebhooks.carriersYaml("http://127.0.0.1:9"),
                ConfiguredCarriers.installedProviders());
    }
}
