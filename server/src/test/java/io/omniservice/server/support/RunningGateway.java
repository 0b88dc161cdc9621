package io.omniservice.server.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.net.HostResolver;
import io.omniservice.core.trace.Tracing;
import io.omniservice.server.Gateway;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real gateway for a test: its own free port, its own embedded store in a temporary directory, the
 * configuration read from YAML like in production, and a JDK HTTP client pointed at it. The store's engine is
 * the default unless the environment names one as it would for the gateway
 * ({@code OMNISERVICE_STORAGE_EMBEDDED_ENGINE=sqlite}), so the whole suite runs on either.
 */
public final class RunningGateway implements AutoCloseable {
    public static final String API_KEY = "test-api-key-0123456789";
    /** The {@link #API_KEY} client's own secret: its status callbacks and rule forwards are signed with it. */
    public static final String SIGNING_SECRET = "tests-signing-secret-0123456789";
    /** A second client, with the standard scopes (everything but admin) and no signing secret yet. */
    public static final String OTHER_KEY = "another-key-0123456789";

    public static final String PUBLIC_BASE_URL = "https://gw.example.com/base";

    private static final String ENGINE_VARIABLE = "OMNISERVICE_STORAGE_EMBEDDED_ENGINE";

    /** The one setting a test's gateway takes from the environment: which embedded engine it runs on. */
    private static Map<String, String> engineChosen() {
        String engine = System.getenv(ENGINE_VARIABLE);
        return engine == null ? Map.of() : Map.of(ENGINE_VARIABLE, engine);
    }

    private final Gateway gateway;
    private final int port;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RunningGateway(Path dataDirectory, long maxBodyBytes, String carriersYaml, List<CarrierProvider> providers) {
        this(dataDirectory, maxBodyBytes, "", carriersYaml, providers);
    }

    /** With {@code apiYaml} added under {@code api:} (indented two spaces: {@code "  jwt: ..."}). */
    public RunningGateway(
            Path dataDirectory,
            long maxBodyBytes,
            String apiYaml,
            String carriersYaml,
            List<CarrierProvider> providers) {
        this(dataDirectory, maxBodyBytes, "", apiYaml, carriersYaml, providers);
    }

    /** With more API keys after the two of every test ({@code keysYaml}: list items indented four spaces). */
    public RunningGateway(
            Path dataDirectory,
            long maxBodyBytes,
            String keysYaml,
            String apiYaml,
            String carriersYaml,
            List<CarrierProvider> providers) {
        this(
                dataDirectory,
                maxBodyBytes,
                "",
                keysYaml,
                apiYaml,
                carriersYaml,
                providers,
                HostResolver.SYSTEM,
                null,
                null);
    }

    /** With {@code serverYaml} added under {@code server:} (indented two spaces). */
    public RunningGateway(
            Path dataDirectory,
            long maxBodyBytes,
            String serverYaml,
            String keysYaml,
            String apiYaml,
            String carriersYaml,
            List<CarrierProvider> providers) {
        this(
                dataDirectory,
                maxBodyBytes,
                serverYaml,
                keysYaml,
                apiYaml,
                carriersYaml,
                providers,
                HostResolver.SYSTEM,
                null,
                null);
    }

    /**
     * With {@code resolver} answering for the hosts of callback, subscription and forward URLs. Callbacks may
     * reach this machine ({@code outbound.callbacks.allowedNetworks: [127.0.0.0/8, ::1/128]}), since the tests'
     * receivers listen on it, unless the YAML sets {@code allowedNetworks} itself.
     */
    public RunningGateway(
            Path dataDirectory,
            long maxBodyBytes,
            String keysYaml,
            String apiYaml,
            String carriersYaml,
            List<CarrierProvider> providers,
            HostResolver resolver) {
        this(dataDirectory, maxBodyBytes, "", keysYaml, apiYaml, carriersYaml, providers, resolver, null, null);
    }

    /** With spans recorded by {@code tracing} (a test's in-memory exporter), whatever the YAML says. */
    public RunningGateway(Path dataDirectory, String carriersYaml, List<CarrierProvider> providers, Tracing tracing) {
        this(dataDirectory, 1 << 20, "", "", "", carriersYaml, providers, HostResolver.SYSTEM, tracing, null);
    }

    /** On {@code clock}: a test moves time on (a receipt deadline passes) without waiting for it. */
    public RunningGateway(
            Path dataDirectory, long maxBodyBytes, String carriersYaml, List<CarrierProvider> providers, Clock clock) {
        this(dataDirectory, maxBodyBytes, "", "", "", carriersYaml, providers, HostResolver.SYSTEM, null, clock);
    }

    private RunningGateway(
            Path dataDirectory,
            long maxBodyBytes,
            String serverYaml,
            String keysYaml,
            String apiYaml,
            String carriersYaml,
            List<CarrierProvider> providers,
            HostResolver resolver,
            Tracing tracing,
            Clock clock) {
        Clock time = clock == null ? Clock.systemUTC() : clock;
        String yaml = """
                server:
                  port: 0
                  publicBaseUrl: %s
                  maxBodyBytes: %d
                %s
                storage:
                  mode: embedded
                  embedded:
                    path: '%s'
                api:
                  keys:
                    - {name: tests, key: %s, scopes: [admin], signingSecret: %s}
                    - {name: other, key: %s}
                %s
                %s
                %s
                """.formatted(
                        PUBLIC_BASE_URL,
                        maxBodyBytes,
                        serverYaml,
                        dataDirectory,
                        API_KEY,
                        SIGNING_SECRET,
                        OTHER_KEY,
                        keysYaml,
                        apiYaml,
                        carriersYaml);
        GatewayConfig config = new ConfigLoader(engineChosen()).parse(withLocalCallbacks(yaml));
        this.gateway = tracing == null
                ? Gateway.open(config, providers, time, resolver)
                : Gateway.open(config, providers, time, resolver, tracing);
        this.port = gateway.start();
    }

    /** {@code yaml} with the loopback networks open to callbacks, unless it says which networks are. */
    static String withLocalCallbacks(String yaml) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        try {
            ObjectNode root = (ObjectNode) mapper.readTree(yaml);
            ObjectNode outbound = root.get("outbound") instanceof ObjectNode o ? o : root.putObject("outbound");
            ObjectNode callbacks =
                    outbound.get("callbacks") instanceof ObjectNode c ? c : outbound.putObject("callbacks");
            if (!callbacks.has("allowedNetworks")) {
                callbacks.putArray("allowedNetworks").add("127.0.0.0/8").add("::1/128");
            }
            return mapper.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalArgumentException("the test's configuration is not YAML", e);
        }
    }

    public Gateway gateway() {
        return gateway;
    }

    public int port() {
        return port;
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://localhost:" + port + pathAndQuery);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    /** A GET with the test API key. */
    public HttpResponse<String> api(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).header("Authorization", "Bearer " + API_KEY));
    }

    /** A request with {@code key} as the bearer token: {@code method} with a JSON {@code body} (null: none). */
    public HttpResponse<String> as(String key, String method, String pathAndQuery, String body) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)));
    }

    @Override
    public void close() {
        gateway.close();
    }
}
