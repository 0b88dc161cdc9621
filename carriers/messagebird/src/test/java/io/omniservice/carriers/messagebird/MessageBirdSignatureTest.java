package io.omniservice.carriers.messagebird;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The test vectors of MessageBird's Java SDK (messagebird/java-rest-api, RequestValidatorTest): tokens
 * MessageBird's tooling signed with the key {@code hunter2}, judged at 2021-07-05T10:00:00Z.
 */
class MessageBirdSignatureTest {
    private static final String KEY = "hunter2";
    private static final Clock AT_VECTOR_TIME = Clock.fixed(Instant.parse("2021-07-05T10:00:00Z"), ZoneOffset.UTC);
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EMPTY = new byte[0];

    private static final String VALID_NO_BODY =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.SrhlKJ-ES4Dg8BBXKtop3u92Z_k4L4VjHKsyHWpweGE";
    private static final String VALID_QUERY_AND_BODY =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0.K6HyLDRdYgQBKN2tBcu0dOSxsfb_lOLaWby3un4rxIc";
    private static final String ISSUED_IN_AN_HOUR =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ4MjgwMCwiZXhwIjoxNjI1NDgyODYwLCJqdGkiOiJmOWY4YzM4Mi0yNDQ5LTQzMTEtYjcyYi0xZGY3MTY4NzkzMWUiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ._59NNTg0j5YVXCRHgyeJAj8n6rTg1gwTh_I_coe7RDQ";
    private static final String EXPIRED_AN_HOUR_AGO =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3NTYwMCwiZXhwIjoxNjI1NDc1NjYwLCJqdGkiOiI1ZjAyZjUyMi02MDMwLTQ2YzgtYjVhMy0wMTI0NjQ3OGQ4YmMiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.iGUCLsYVQG4iYWe2MkRoLQBBMzq7p_bLy4u0mhC3Jfc";
    private static final String FOR_ANOTHER_URL =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiJhNzVjOTA5Ni1lODIzLTQ0MmItODVmMi03ZDNjOWQ5YjcyNmIiLCJ1cmxfaGFzaCI6IjlmZGExZmNkYzc0YjEwMzUzNjhlNWY2NjhmNTdjOTFlOTk0MTJmZjU5Y2YwM2E0NmNlYjk1YWVhNWU2YjU4ZmQifQ.G4lpxrDOxZs75G1vIJ6J1jVbYS19tx2yq-lkIE-oETY";
    private static final String OTHER_PAYLOAD_HASH =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiIxNDUwMTUzMi05NmYyLTQ2ODQtOTgzMi02OGYwOTUxYWUzNDIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDciLCJwYXlsb2FkX2hhc2giOiIzMjRjYzA2N2IyNTdlZGEwYmNiZDljOGQ4MTgwNzdhMDlhOTU2OGMwZDRjYTA2MDM4ZGVkOGZhZGRmODEzZmQ2In0.rQqiANogDOMafgg_B6p362PuhInAro9lMm2j_vruBA0";
    private static final String SIGNED_WITH_ANOTHER_KEY =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiIyNDNjMjdhZS0yZjAyLTQ2YTAtODg1Mi1jNjZmMzdlYTlmNDYiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ._Uwf4HMtfAT6jvbBbh85Q9TunX0QlsXoaLGKX0I4VDg";

    private static MessageBirdSignature signature() {
        return new MessageBirdSignature(KEY, AT_VECTOR_TIME, new InMemoryReplayGuard(AT_VECTOR_TIME), "test");
    }

    private static WebhookRejection rejection(String token, String url, byte[] body) {
        return catchThrowableOfType(WebhookRejection.class, () -> signature().verify(token, url, body));
    }

    @Test
    void acceptsSdkVectorWithoutBody() {
        assertThatCode(() -> signature().verify(VALID_NO_BODY, "https://example.com/", EMPTY))
                .doesNotThrowAnyException();
    }

    @Test
    void acceptsSdkVectorWithQueryAndBody() {
        assertThatCode(() -> signature().verify(VALID_QUERY_AND_BODY, "https://example.com/path?bar=1&foo=2", HELLO))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesTokenIssuedInTheFuture() {
        assertThat(rejection(ISSUED_IN_AN_HOUR, "https://example.com/", EMPTY).status())
                .isEqualTo(403);
    }

    @Test
    void refusesExpiredToken() {
        WebhookRejection rejection = rejection(EXPIRED_AN_HOUR_AGO, "https://example.com/", EMPTY);
        assertThat(rejection.status()).isEqualTo(403);
        assertThat(rejection.getMessage()).contains("expired");
    }

    @Test
    void refusesTokenForAnotherUrl() {
        assertThat(rejection(FOR_ANOTHER_URL, "https://example.com/", EMPTY).getMessage())
                .contains("another URL");
    }

    @Test
    void refusesBodyThatDoesNotMatchPayloadHash() {
        assertThat(rejection(OTHER_PAYLOAD_HASH, "https://example.com/", HELLO).getMessage())
                .contains("payload_hash");
    }

    @Test
    void refusesTokenSignedWithAnotherKey() {
        WebhookRejection rejection = rejection(SIGNED_WITH_ANOTHER_KEY, "https://example.com/", HELLO);
        assertThat(rejection.status()).isEqualTo(403);
        assertThat(rejection.getMessage()).contains("signing key");
    }

    @Test
    void refusesBodyWhenTokenHasNoPayloadHash() {
        assertThat(rejection(VALID_NO_BODY, "https://example.com/", HELLO).getMessage())
                .contains("no payload_hash");
    }

    @Test
    void missingTokenIsUnauthorized() {
        assertThat(rejection(null, "https://example.com/", EMPTY).status()).isEqualTo(401);
    }

    @Test
    void refusesSecondUseOfTheSameJti() throws Exception {
        MessageBirdSignature signature = signature();
        signature.verify(VALID_NO_BODY, "https://example.com/", EMPTY);
        WebhookRejection replay = catchThrowableOfType(
                WebhookRejection.class, () -> signature.verify(VALID_NO_BODY, "https://example.com/", EMPTY));
        assertThat(replay.status()).isEqualTo(403);
        assertThat(replay.getMessage()).contains("already been used");
    }

    @Test
    void acceptsTokenWithinFiveSecondsOfSkewAfterExpiry() {
        Clock justAfterExpiry = Clock.fixed(Instant.ofEpochSecond(1625479260 + 5), ZoneOffset.UTC);
        MessageBirdSignature lenient =
                new MessageBirdSignature(KEY, justAfterExpiry, new InMemoryReplayGuard(justAfterExpiry), "test");
        assertThatCode(() -> lenient.verify(VALID_NO_BODY, "https://example.com/", EMPTY))
                .doesNotThrowAnyException();

        Clock past = Clock.fixed(Instant.ofEpochSecond(1625479260 + 6), ZoneOffset.UTC);
        MessageBirdSignature strict = new MessageBirdSignature(KEY, past, new InMemoryReplayGuard(past), "test");
        assertThat(catchThrowableOfType(
                                WebhookRejection.class,
                                () -> strict.verify(VALID_NO_BODY, "https://example.com/", EMPTY))
                        .getMessage())
                .contains("expired");
    }
}
