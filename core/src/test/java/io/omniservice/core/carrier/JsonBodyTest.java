package io.omniservice.core.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonBodyTest {
    @Test
    void jsonIsReadAsATree() throws Exception {
        assertThat(JsonBody.parse("{\"a\":[1]}".getBytes(StandardCharsets.UTF_8))
                        .at("/a/0")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void emptyBodyIsAMissingNodeForTheAdaptersShapeCheck() throws Exception {
        assertThat(JsonBody.parse(new byte[0]).isMissingNode()).isTrue();
    }

    @Test
    void brokenJsonIsA400() {
        WebhookRejection rejection = catchThrowableOfType(
                WebhookRejection.class, () -> JsonBody.parse("{\"a\":".getBytes(StandardCharsets.UTF_8)));
        assertThat(rejection.status()).isEqualTo(400);
        assertThat(rejection.getMessage()).isEqualTo("the body is not valid JSON");
    }
}
