package io.omniservice.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The built gateway jar running as a separate JVM on a free port, with its own config and data directory.
 * {@link #kill()} is {@code kill -9}: the process gets no chance to flush or shut down.
 */
final class GatewayProcess implements AutoCloseable {
    static final String API_KEY = "acceptance-api-key";
    private static final Duration STARTUP_PATIENCE = Duration.ofSeconds(180);

    /** What every node is configured with as its public base URL: what carriers sign. */
    static final String PUBLIC_BASE_URL = "https://gw.example.com";

    /** Bandwidth's send API as the gateway reaches it in {@link #startSending}. */
    static final String BANDWIDTH_ACCOUNT = "9900000";

    /**
     * How a node is set up beyond the carriers: where it stores ({@code storage}, the YAML under
     * {@code storage:}), its node id, the Bandwidth send API it reaches (null: Bandwidth only receives),
     * YAML under {@code outbound:} beside the node id, top-level sections (such as {@code processing:}),
     * keys added to {@code server:}, more API keys (list items for {@code api.keys}) and keys under
     * {@code media:}; all YAML written as if at the top level.
     */
    record Setup(
            String storage,
            String nodeId,
            String bandwidthApiBaseUrl,
            String outboundKeys,
            String sections,
            String serverKeys,
            String moreApiKeys,
            String mediaKeys) {
        /** The embedded store under the node's directory, one node. */
        static Setup embedded() {
            return new Setup(null, "acceptance-node", null, "", "", "", "", "");
        }

        /** A node of several on one PostgreSQL database (a {@code jdbc:postgresql:} URL, trust auth). */
        static Setup postgres(String jdbcUrl, String nodeId) {
            return embedded().withStorage("""
                    mode: postgres
                    postgres:
                      jdbcUrl: "%s"
                      username: postgres
                      password: ""
                      poolSize: 8""".formatted(jdbcUrl)).withNodeId(nodeId);
        }

        Setup withStorage(String yaml) {
            return new Setup(
                    yaml, nodeId, bandwidthApiBaseUrl, outboundKeys, sections, serverKeys, moreApiKeys, mediaKeys);
        }

        Setup withNodeId(String id) {
            return new Setup(
                    storage, id, bandwidthApiBaseUrl, outboundKeys, sections, serverKeys, moreApiKeys, mediaKeys);
        }

        Setup sendingThrough(String bandwidthBaseUrl) {
            return new Setup(
                    storage, nodeId, bandwidthBaseUrl, outboundKeys, sections, serverKeys, moreApiKeys, mediaKeys);
        }

        Setup withOutbound(String yaml) {
            return new Setup(storage, nodeId, bandwidthApiBaseUrl, yaml, sections, serverKeys, moreApiKeys, mediaKeys);
        }

        Setup withSections(String yaml) {
            return new Setup(
                    storage, nodeId, bandwidthApiBaseUrl, outboundKeys, yaml, serverKeys, moreApiKeys, mediaKeys);
        }

        /** These top-level sections added to the ones already set. */
        Setup withMoreSections(String yaml) {
            return withSections(sections.isEmpty() ? yaml : sections.stripTrailing() + "\n" + yaml);
        }

        Setup withServer(String yaml) {
            return new Setup(
                    storage, nodeId, bandwidthApiBaseUrl, outboundKeys, sections, yaml, moreApiKeys, mediaKeys);
        }

        /** These keys under {@code media:} added to the ones already set. */
        Setup withMoreMedia(String yaml) {
            String keys = mediaKeys.isEmpty() ? yaml : mediaKeys.stripTrailing() + "\n" + yaml;
            return new Setup(
                    storage, nodeId, bandwidthApiBaseUrl, outboundKeys, sections, serverKeys, moreApiKeys, keys);
        }

        Setup withMoreApiKeys(String yaml) {
            return new Setup(storage, nodeId, bandwidthApiBaseUrl, outboundKeys, sections, serverKeys, yaml, mediaKeys);
        }
    }

    private final Path directory;
    private final int port;
    private final Setup setup;
    private final String jar;
    private Process process;

    private GatewayProcess(Path directory, int port, Setup setup, String jar) {
        this.directory = directory;
        this.port = port;
        this.setup = setup;
        this.jar = jar;
    }

    /** Starts a gateway with every carrier configured with the secrets {@link SignedWebhooks} signs with. */
    static GatewayProcess start(Path directory) throws Exception {
        return startSending(directory, null);
    }

    /** Like {@link #start}, with the Bandwidth account also sending, through the API at {@code bandwidthApiBaseUrl}. */
    static GatewayProcess startSending(Path directory, String bandwidthApiBaseUrl) throws Exception {
        return startSending(directory, bandwidthApiBaseUrl, "", "");
    }

    /**
     * Like {@link #startSending}, with more configuration: {@code outboundKeys} go under {@code outbound:}
     * beside the node id, {@code sections} (such as {@code processing:} and {@code notifications:}) are added
     * at the top level; both are YAML written as if at the top level.
     */
    static GatewayProcess startSending(Path directory, String bandwidthApiBaseUrl, String outboundKeys, String sections)
            throws Exception {
        return start(
                directory,
                Setup.embedded()
                        .sendingThrough(bandwidthApiBaseUrl)
                        .withOutbound(outboundKeys)
                        .withSections(sections));
    }

    /** A gateway of the jar this build made, set up as {@code setup} says. */
    static GatewayProcess start(Path directory, Setup setup) throws Exception {
        return start(directory, setup, builtJar());
    }

    /** A gateway of another build's {@code jar} (an earlier release, say), set up as {@code setup} says. */
    static GatewayProcess start(Path directory, Setup setup, String jar) throws Exception {
        GatewayProcess gateway = new GatewayProcess(directory, freePort(), setup, jar);
        Files.writeString(directory.resolve("omniservice.yaml"), gateway.config());
        gateway.launch();
        return gateway;
    }

    int port() {
        return port;
    }

    /** Whether the process is running (it may have been killed, or stopped and not yet restarted). */
    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, as an orchestrator stops a node: the gateway drains; waits up to a minute for the exit. */
    void terminate() throws InterruptedException {
        process.destroy(); // SIGTERM on Linux
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("gateway did not exit within 60 s of SIGTERM");
        }
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** The public base URL the gateway is configured with: what carriers sign. */
    String publicBaseUrl() {
        return PUBLIC_BASE_URL;
    }

    /** Starts the gateway again on the same port, configuration and data (so with the same node id). */
    void restart() throws Exception {
        if (process != null && process.isAlive()) {
            close();
        }
        launch();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        process.waitFor();
    }

    /** The log lines of every run so far at WARN or ERROR, and the lines of their stack traces. */
    String warnings() throws java.io.IOException {
        StringBuilder out = new StringBuilder();
        boolean inTrace = false;
        for (String line : Files.readAllLines(log())) {
            boolean warning = line.contains(" WARN ") || line.contains(" ERROR ");
            inTrace = warning || (inTrace && (line.startsWith("\t") || line.startsWith("Caused by")));
            if (inTrace) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    Path log() {
        return directory.resolve("gateway.log");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(
                    java.util.concurrent.TimeUnit.SECONDS.toMillis(20), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static String builtJar() {
        String jar = System.getProperty("omniservice.jar");
        assertThat(jar).as("system property omniservice.jar").isNotNull();
        assertThat(Path.of(jar))
                .as("the gateway jar (built by the server module)")
                .exists();
        return jar;
    }

    private void launch() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(List.of(
                        java,
                        "-Xmx512m",
                        "-jar",
                        jar,
                        "--config",
                        directory.resolve("omniservice.yaml").toString()))
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        HttpClient client = HttpClient.newHttpClient();
        // a node starts in a few seconds; the acceptance classes start theirs at once on two cores, beside
        // their emulators, and a start then took over a minute
        long deadline = System.nanoTime() + STARTUP_PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "gateway exited with " + process.exitValue() + ":\n" + Files.readString(log()));
            }
            try {
                HttpResponse<Void> ready = client.send(
                        HttpRequest.newBuilder(uri("/health/ready")).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "gateway not ready after " + STARTUP_PATIENCE.toSeconds() + " s:\n" + Files.readString(log()));
    }

    private String config() {
        // the configuration's own lines are indented by 16 (the text block keeps it); the outbound section is
        // the last one, so its further keys follow it
        String media = setup.mediaKeys().isEmpty()
                ? ""
                : ("media:\n" + setup.mediaKeys().indent(2)).indent(16);
        return ownConfig() + setup.outboundKeys().indent(18) + setup.sections().indent(16) + media;
    }

    private String storage() {
        String yaml = setup.storage() != null ? setup.storage() : """
                mode: embedded
                embedded:
                  path: %s""".formatted(directory.resolve("data"));
        return yaml.indent(18).stripTrailing();
    }

    private String ownConfig() {
        return """
                server:
                  port: %d
                  publicBaseUrl: %s
%s
                storage:
%s
                api:
                  keys:
                    - name: acceptance
                      key: %s
%s
                  # the tests poll the API much faster than the default budget of a client
                  rateLimit: {requestsPerSecond: 100000, burst: 100000}
                carriers:
                  whatsapp:
                    default:
                      appSecret: %s
                      verifyToken: %s
                  twilio:
                    default:
                      accountSid: %s
                      authToken: %s
                  bandwidth:
                    default:
                      callbackUsername: %s
                      callbackPassword: %s
%s
                  livechat:
                    default:
                      secretKey: %s
                  messagebird:
                    default:
                      signingKey: %s
                  inteliquent:
                    default:
                      inboundApiKey: %s
                outbound:
                  nodeId: %s
                  pollMillis: 50
                """.formatted(
                        port,
                        publicBaseUrl(),
                        setup.serverKeys().indent(18).stripTrailing(),
                        storage(),
                        API_KEY,
                        setup.moreApiKeys().indent(20).stripTrailing(),
                        SignedWebhooks.WHATSAPP_APP_SECRET,
                        SignedWebhooks.WHATSAPP_VERIFY_TOKEN,
                        SignedWebhooks.TWILIO_ACCOUNT_SID,
                        SignedWebhooks.TWILIO_AUTH_TOKEN,
                        SignedWebhooks.BANDWIDTH_USER,
                        SignedWebhooks.BANDWIDTH_PASSWORD,
                        bandwidthSending(),
                        SignedWebhooks.LIVECHAT_SECRET,
                        SignedWebhooks.MESSAGEBIRD_SIGNING_KEY,
                        SignedWebhooks.INTELIQUENT_INBOUND_KEY,
                        setup.nodeId());
    }

    private String bandwidthSending() {
        if (setup.bandwidthApiBaseUrl() == null) {
            return "";
        }
        return """
                      accountId: "%s"
                      apiUsername: acceptance-api-user
                      apiPassword: acceptance-api-password
                      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
                      from: "+14155550198"
                      apiBaseUrl: %s""".formatted(BANDWIDTH_ACCOUNT, setup.bandwidthApiBaseUrl())
                // under bandwidth.default, as indented as the configuration's own lines
                .indent(22)
                .stripTrailing();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
