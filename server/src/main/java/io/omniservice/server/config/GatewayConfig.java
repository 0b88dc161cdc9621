package io.omniservice.server.config;

import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.OutboundSettings;
import io.omniservice.core.outbound.SenderPacing;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of one gateway process, as {@link ConfigLoader} reads and validates it from the
 * YAML file: every value here has already been checked, so the wiring never meets a bad one.
 */
public record GatewayConfig(
        Server server,
        Storage storage,
        Api api,
        Map<CarrierType, Map<String, CarrierSettings>> carriers,
        Outbound outbound,
        Map<String, String> templates,
        Processing processing,
        Media media,
        Telemetry telemetry,
        Logging logging) {

    public GatewayConfig {
        carriers = Map.copyOf(carriers);
        templates = Map.copyOf(templates);
    }

    /**
     * Traces ({@code tracing} in YAML): off by default, when no SDK is made and every span is a no-op. On, spans
     * are sampled at {@code sampleRatio} (a trace that came in sampled stays sampled) and exported over OTLP
     * (HTTP/protobuf) to {@code otlpEndpoint} with {@code otlpHeaders}, as service {@code serviceName}.
     */
    public record Telemetry(
            boolean enabled,
            String serviceName,
            double sampleRatio,
            URI otlpEndpoint,
            Map<String, String> otlpHeaders,
            java.time.Duration otlpTimeout) {
        public static final String DEFAULT_SERVICE_NAME = "omniservice";
        public static final URI DEFAULT_OTLP_ENDPOINT = URI.create("http://localhost:4318/v1/traces");
        public static final Telemetry OFF = new Telemetry(
                false, DEFAULT_SERVICE_NAME, 1.0, DEFAULT_OTLP_ENDPOINT, Map.of(), java.time.Duration.ofSeconds(10));

        public Telemetry {
            otlpHeaders = Map.copyOf(otlpHeaders);
        }

        @Override
        public String toString() {
            // header values are often credentials (an API key of the tracing vendor)
            return "Telemetry[enabled=" + enabled + ", serviceName=" + serviceName + ", sampleRatio=" + sampleRatio
                    + ", otlpEndpoint=" + otlpEndpoint + ", otlpHeaders=" + otlpHeaders.keySet() + "]";
        }
    }

    /**
     * How log lines are written on stdout: {@code text} (one readable line) or {@code json} (one JSON object);
     * and which HTTP requests get a line: {@code errors} (4xx, 5xx and requests slower than a second),
     * {@code all}, or {@code none} (the {@code http_server_requests} metric counts every request anyway).
     */
    public record Logging(Format format, Requests requests) {
        public static final Logging TEXT = new Logging(Format.TEXT, Requests.ERRORS);

        public enum Format {
            TEXT,
            JSON
        }

        public enum Requests {
            ALL,
            ERRORS,
            NONE
        }
    }

    /**
     * The processing stage: how the change-feed workers lease and retry ({@code settings}, {@code retry}),
     * the compliance keyword answers, the business rules of the file, and for how long published events
     * stay for SSE clients to resume from.
     */
    public record Processing(
            io.omniservice.core.feed.FeedSettings settings,
            io.omniservice.core.workflow.StepRetry retry,
            io.omniservice.core.workflow.ComplianceSettings compliance,
            List<io.omniservice.core.rules.Rule> rules,
            java.time.Duration keepEvents) {
        public Processing {
            rules = List.copyOf(rules);
        }
    }

    /**
     * Media handling: where files are kept ({@code directory} in the embedded mode, or an S3-compatible
     * bucket), how long signed URLs work, how downloads are bounded and which private networks they may
     * reach, the size limits per kind, the malware scanner ({@code clamd} as {@code tcp://host:port} or
     * {@code unix:/path}, null for none) and ffmpeg (null: looked up on the PATH).
     *
     * @param signingSecret signs {@code /media} URLs; null for a key kept in the database, shared by all nodes
     */
    public record Media(
            Path directory,
            io.omniservice.media.store.S3Settings s3,
            String signingSecret,
            java.time.Duration viewUrlTtl,
            java.time.Duration sendUrlTtl,
            int thumbnailWidth,
            long maxPixels,
            Map<String, Long> maxBytes,
            java.time.Duration connectTimeout,
            java.time.Duration fetchTimeout,
            int fetchAttempts,
            List<String> allowedNetworks,
            String clamd,
            String ffmpeg) {
        public Media {
            maxBytes = Map.copyOf(maxBytes);
            allowedNetworks = List.copyOf(allowedNetworks);
        }

        @Override
        public String toString() {
            return "Media[directory=" + directory + ", s3=" + s3 + ", clamd=" + clamd + ", ffmpeg=" + ffmpeg + "]";
        }
    }

    /**
     * The send pipeline: {@code nodeId} names this process's leases (stable across restarts, distinct
     * between nodes sharing a database), {@code settings} its retry, breaker, callback and lease policy.
     */
    /** @param pacing each sender's messages per second ({@code outbound.pacing}) */
    public record Outbound(String nodeId, OutboundSettings settings, SenderPacing.Settings pacing) {
        public Outbound(String nodeId, OutboundSettings settings) {
            this(nodeId, settings, SenderPacing.Settings.off());
        }

        @Override
        public String toString() {
            return "Outbound[nodeId=" + nodeId + "]";
        }
    }

    /**
     * The HTTP listener. {@code publicBaseUrl} (no trailing slash) is where carriers reach us, through any
     * proxy; URL-signing carriers sign that URL, so the request URL is rebuilt from it, never from Host.
     */
    public record Server(
            int port,
            String publicBaseUrl,
            long maxBodyBytes,
            int maxConnections,
            int maxConnectionsPerAddress,
            java.time.Duration idleTimeout,
            Metrics metrics,
            List<String> trustedProxies) {
        public static final int DEFAULT_PORT = 8080;
        public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
        public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
        public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
        public static final java.time.Duration DEFAULT_IDLE_TIMEOUT = java.time.Duration.ofSeconds(30);

        /** The defaults for everything but where it listens. */
        public Server(int port, String publicBaseUrl, long maxBodyBytes) {
            this(
                    port,
                    publicBaseUrl,
                    maxBodyBytes,
                    DEFAULT_MAX_CONNECTIONS,
                    DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                    DEFAULT_IDLE_TIMEOUT,
                    Metrics.ADMIN_ONLY,
                    List.of());
        }

        public Server {
            trustedProxies = List.copyOf(trustedProxies);
        }
    }

    /**
     * Who may read {@code /metrics}: an admin API key, a bearer {@code token} for the scraper, or anyone
     * when {@code open} (the endpoint tells carrier names, volumes and error rates).
     */
    public record Metrics(String token, boolean open) {
        public static final Metrics ADMIN_ONLY = new Metrics(null, false);

        @Override
        public String toString() {
            return "Metrics[token=" + (token == null ? "none" : "***") + ", open=" + open + "]";
        }
    }

    /** Where messages are kept: the embedded H2 or SQLite database, PostgreSQL, or DynamoDB with SQS and SNS. */
    public sealed interface Storage {
        /** A database file of {@code engine} under {@code path}. */
        record Embedded(Path path, Engine engine) implements Storage {
            /** The default engine of a new data directory. */
            public Embedded(Path path) {
                this(path, Engine.SQLITE);
            }

            /** The embedded database engines, as {@code storage.embedded.engine} names them. */
            public enum Engine {
                H2("h2", "omniservice.mv.db"),
                SQLITE("sqlite", "omniservice.sqlite");

                private final String wireName;
                private final String file;

                Engine(String wireName, String file) {
                    this.wireName = wireName;
                    this.file = file;
                }

                public String wireName() {
                    return wireName;
                }

                /** The engine's database file in the data directory. */
                public String file() {
                    return file;
                }
            }
        }

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

        /** DynamoDB tables, the SQS FIFO send queue and the SNS event topic (media on S3). */
        record Aws(io.omniservice.aws.AwsSettings settings) implements Storage {}
    }

    /**
     * How clients authenticate and how fast they may call: API keys, and optionally JWTs (HS256 with a
     * shared secret, RS256 with keys from a JWKS URL), both as {@code Authorization: Bearer <token>}.
     */
    public record Api(List<ApiKey> keys, Jwt jwt, RateLimit rateLimit, Limits limits) {
        public Api {
            keys = List.copyOf(keys);
        }
    }

    /**
     * What one client may hold, so no client can turn one inbound message into unbounded work: its
     * subscriptions, its rules, its open event streams; and how many failed authentications one address
     * may make a minute before it is answered 429 without a check.
     */
    public record Limits(
            int subscriptionsPerClient, int rulesPerClient, int eventStreamsPerClient, int failedAuthPerMinute) {
        public static final Limits DEFAULTS = new Limits(25, 100, 5, 20);
    }

    /** Accepted JWTs: signed with {@code hs256Secret} or a key of {@code jwksUrl}, from {@code issuer} for {@code audience}. */
    public record Jwt(String hs256Secret, URI jwksUrl, String issuer, String audience) {
        @Override
        public String toString() {
            return "Jwt[jwksUrl=" + jwksUrl + ", issuer=" + issuer + ", audience=" + audience + "]";
        }
    }

    /** A token bucket per client: {@code burst} requests at once, refilled at {@code requestsPerSecond}. */
    public record RateLimit(long requestsPerSecond, long burst) {}

    /**
     * One API key: a client named {@code name} (in logs and as the owner of what it creates; the key
     * itself never appears there) with its {@code scopes}, and optionally the secret that signs its
     * callbacks and forwards (else it rotates one in through the API), and optionally its own
     * {@code rateLimit} in place of {@code api.rateLimit}.
     */
    public record ApiKey(
            String name,
            String key,
            java.util.Set<io.omniservice.core.access.Scope> scopes,
            String signingSecret,
            RateLimit rateLimit) {
        public ApiKey {
            scopes = java.util.Set.copyOf(scopes);
        }

        /** A key under {@code api.rateLimit}, the budget every client has unless its key names its own. */
        public ApiKey(
                String name, String key, java.util.Set<io.omniservice.core.access.Scope> scopes, String signingSecret) {
            this(name, key, scopes, signingSecret, null);
        }

        /** An admin key without a signing secret of its own. */
        public ApiKey(String name, String key) {
            this(name, key, java.util.Set.of(io.omniservice.core.access.Scope.ADMIN), null);
        }

        @Override
        public String toString() {
            return "ApiKey[name=" + name + ", key=***, scopes=" + scopes + "]";
        }
    }
}
