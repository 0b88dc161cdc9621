package io.omniservice.server.config;

import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.model.CarrierType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of one gateway process, as {@link ConfigLoader} reads and validates it from the
 * YAML file: every value here has already been checked, so the wiring never meets a bad one.
 */
public record GatewayConfig(
        Server server, Storage storage, Api api, Map<CarrierType, Map<String, CarrierSettings>> carriers) {

    public GatewayConfig {
        carriers = Map.copyOf(carriers);
    }

    /**
     * The HTTP listener. {@code publicBaseUrl} (no trailing slash) is where carriers reach us, through any
     * proxy; URL-signing carriers sign that URL, so the request URL is rebuilt from it, never from Host.
     */
    public record Server(int port, String publicBaseUrl, long maxBodyBytes) {
        public static final int DEFAULT_PORT = 8080;
        public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    }

    /** Where messages are kept: the embedded H2 database or PostgreSQL. */
    public sealed interface Storage {
        /** H2 files under {@code path}. */
        record Embedded(Path path) implements Storage {}

        /** PostgreSQL through a pool of {@code poolSize} connections. */
        record Postgres(String jdbcUrl, String username, String password, int poolSize) implements Storage {
            public static final int DEFAULT_POOL_SIZE = 10;

            @Override
            public String toString() {
                // Records print every component; the password must not reach a log line that way.
                return "Postgres[jdbcUrl=" + jdbcUrl + ", username=" + username + ", password=***, poolSize=" + poolSize
                        + "]";
            }
        }
    }

    /** The API keys clients present as {@code Authorization: Bearer <key>}. */
    public record Api(List<ApiKey> keys) {
        public Api {
            keys = List.copyOf(keys);
        }
    }

    /** One API key; {@code name} says whose it is in logs, the key itself never appears there. */
    public record ApiKey(String name, String key) {
        @Override
        public String toString() {
            return "ApiKey[name=" + name + ", key=***]";
        }
    }
}
