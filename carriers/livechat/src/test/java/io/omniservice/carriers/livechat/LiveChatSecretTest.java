package io.omniservice.carriers.livechat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LiveChatSecretTest {
    private final LiveChatSecret secret = new LiveChatSecret("s3cret");

    @Test
    void keyIsFoundWithoutReadingWhatFollowsIt() {
        // The rest is not even JSON: a whole-document parse would fail, a streaming read stops at the key.
        assertThatCode(() -> secret.verify(bytes("{\"webhook_id\":\"w1\",\"secret_key\":\"s3cret\",\"payload\":{{{")))
                .doesNotThrowAnyException();
    }

    @Test
    void nestedSecretKeyIsNotTheWebhooksKey() {
        WebhookRejection refusal = catchThrowableOfType(
                WebhookRejection.class,
                () -> secret.verify(bytes("{\"payload\":{\"secret_key\":\"s3cret\"},\"action\":\"incoming_event\"}")));

        assertThat(refusal.status()).isEqualTo(401);
    }

    @Test
    void wrongKeyIs403AndMissingKeyIs401() {
        assertThat(catchThrowableOfType(WebhookRejection.class, () -> secret.verify(bytes("{\"secret_key\":\"no\"}")))
                        .status())
                .isEqualTo(403);
        assertThat(catchThrowableOfType(WebhookRejection.class, () -> secret.verify(bytes("{\"secret_key\":7}")))
                        .status())
                .isEqualTo(401);
        assertThat(catchThrowableOfType(WebhookRejection.class, () -> secret.verify(new byte[0]))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void bodyThatIsNotAnObjectIs400() {
        assertThat(catchThrowableOfType(WebhookRejection.class, () -> secret.verify(bytes("[1,2]")))
                        .status())
                .isEqualTo(400);
        assertThat(catchThrowableOfType(WebhookRejection.class, () -> secret.verify(bytes("{\"a\":")))
                        .status())
                .isEqualTo(400);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
