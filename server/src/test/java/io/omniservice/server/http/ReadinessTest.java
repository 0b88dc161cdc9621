package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.json.Json;
import io.omniservice.server.support.RunningGateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {
    @TempDir
    Path data;

    @Test
    void readyIs503OnceStorageStopsAnswering() throws IOException {
        try (var gateway = new RunningGateway(data, 1024, "", List.of())) {
            assertThat(gateway.get("/health/ready").statusCode()).isEqualTo(200);

            gateway.gateway().store().close();
            HttpResponse<String> response = gateway.get("/health/ready");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Json.MAPPER
                            .readTree(response.body())
                            .path("error")
                            .path("code")
                            .asText())
                    .isEqualTo("storage_unavailable");
            assertThat(gateway.get("/health/live").statusCode()).isEqualTo(200);
        }
    }
}
