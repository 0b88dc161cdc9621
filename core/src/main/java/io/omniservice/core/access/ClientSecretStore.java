package io.omniservice.core.access;

import java.time.Duration;
import java.util.Optional;

/** Where clients' signing secrets are kept, shared by every node. */
public interface ClientSecretStore {
    Optional<ClientSecret> clientSecret(String clientId);

    /** Makes {@code fresh} the client's secret; the one it replaces keeps signing for {@code overlap}. */
    ClientSecret rotateClientSecret(String clientId, String fresh, Duration overlap);
}
