package io.omniservice.core.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SigningSecretsTest {
    private static final ClientSecretStore NONE_STORED = new ClientSecretStore() {
        @Override
        public Optional<ClientSecret> clientSecret(String clientId) {
            return Optional.empty();
        }

        @Override
        public ClientSecret rotateClientSecret(String clientId, String fresh, Duration overlap) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void reconfiguredSecretsSignFromThenOn() {
        SigningSecrets secrets = new SigningSecrets(
                Map.of("shop", "shop-secret-one-0123"), "lone", "gateway-secret-one", NONE_STORED, Clock.systemUTC());
        assertThat(secrets.of("shop")).containsExactly("shop-secret-one-0123");
        assertThat(secrets.of(null)).containsExactly("gateway-secret-one");
        assertThat(secrets.of("lone")).containsExactly("gateway-secret-one");

        secrets.reconfigure(Map.of("shop", "shop-secret-two-0123"), "gateway-secret-two");

        assertThat(secrets.of("shop")).containsExactly("shop-secret-two-0123");
        assertThat(secrets.of(null)).containsExactly("gateway-secret-two");
        assertThat(secrets.of("lone")).containsExactly("gateway-secret-two");
        assertThat(secrets.source("shop")).isEqualTo(SigningSecrets.Source.CONFIGURED);
        assertThat(secrets.configured("shop")).isTrue();
    }
}
