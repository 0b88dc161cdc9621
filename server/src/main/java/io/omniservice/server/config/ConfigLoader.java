package io.omniservice.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.omniservice.core.access.Scope;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.config.SecretSource;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.OutboundSettings;
import io.omniservice.core.outbound.SenderPacing;
import io.omniservice.server.config.GatewayConfig.Api;
import io.omniservice.server.config.GatewayConfig.ApiKey;
import io.omniservice.server.config.GatewayConfig.Server;
import io.omniservice.server.config.GatewayConfig.Storage;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link GatewayConfig} from one YAML file. Four steps, in this order: {@code ${VAR}} and
 * {@code ${VAR:-default}} in values are replaced from the environment; then any key present in the file
 * or known to the schema is overridden by its environment variable ({@code OMNISERVICE_} + the path, each
 * segment upper-cased with camelCase split by {@code _}: {@code server.publicBaseUrl} →
 * {@code OMNISERVICE_SERVER_PUBLIC_BASE_URL}, list items by index: {@code OMNISERVICE_API_KEYS_0_KEY});
 * then values written as secret references ({@code secretsmanager:<secret-id>#<json-key>}) are replaced by
 * the secrets' values; then the tree is validated. Every problem is a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    public static final String ENVIRONMENT_PREFIX = "OMNISERVICE_";

    /** Keys the environment may set even when the file leaves them out. */
    private static final List<List<String>> SCHEMA_LEAVES = List.of(
            List.of("server", "port"),
            List.of("server", "publicBaseUrl"),
            List.of("server", "maxBodyBytes"),
            List.of("storage", "mode"),
            List.of("storage", "embedded", "path"),
            List.of("storage", "embedded", "engine"),
            List.of("storage", "postgres", "jdbcUrl"),
            List.of("storage", "postgres", "username"),
            List.of("storage", "postgres", "password"),
            List.of("storage", "postgres", "poolSize"),
            List.of("storage", "aws", "region"),
            List.of("storage", "aws", "accessKeyId"),
            List.of("storage", "aws", "secretAccessKey"));

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Duplicate keys and anything after the first document are errors, never silently dropped. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Map<String, String> environment;
    private final java.time.Clock clock;

    /** @param environment the process environment ({@link System#getenv()}), or a fixed map in tests */
    public ConfigLoader(Map<String, String> environment) {
        this(environment, java.time.Clock.systemUTC());
    }

    /** @param clock times the secrets' cache */
    public ConfigLoader(Map<String, String> environment, java.time.Clock clock) {
        this.environment = Map.copyOf(environment);
        this.clock = clock;
    }

    public GatewayConfig load(Path file) {
        return parse(readText(file));
    }

    public GatewayConfig parse(String yaml) {
        try (LoadedConfig loaded = readYaml(yaml)) {
            return loaded.config();
        }
    }

    /** {@link #load}, keeping what it takes to read the configuration's secrets again while the gateway runs. */
    public LoadedConfig readFile(Path file) {
        return readYaml(readText(file));
    }

    /**
     * {@link #parse}, keeping what it takes to read the configuration's secrets again. A value written
     * {@code secretsmanager:<secret-id>#<json-key>} is replaced by that key of the secret (the whole secret
     * string without {@code #key}) before validation; a secret or key that cannot be had stops the start with
     * an error naming the key that refers to it and the secret.
     */
    public LoadedConfig readYaml(String yaml) {
        ObjectNode tree = tree(yaml);
        SecretSource secrets = ConfiguredSecrets.source(tree, clock);
        try {
            ObjectNode resolved = tree.deepCopy();
            Map<String, String> fromSecrets = ConfiguredSecrets.resolve(resolved, secrets, null);
            return new LoadedConfig(bind(new ConfigSection("", resolved)), tree, secrets, fromSecrets);
        } catch (RuntimeException e) {
            if (secrets instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "no configuration file at " + file.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--config", "cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /** The file's tree after the environment's placeholders and overrides, before secrets and validation. */
    private ObjectNode tree(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new ConfigException(
                    "(file)",
                    "is not valid YAML: " + e.getOriginalMessage()
                            + (where == null ? "" : " (line " + where.getLineNr() + ")"));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        }
        if (!(root instanceof ObjectNode tree)) {
            throw new ConfigException("(file)", "must be a mapping of sections (server, storage, api, carriers)");
        }
        interpolate(tree, "");
        applyEnvironment(tree);
        return tree;
    }

    /** The environment variable that overrides the key at {@code path}. */
    public static String environmentName(List<String> path) {
        StringBuilder name = new StringBuilder(ENVIRONMENT_PREFIX);
        for (int i = 0; i < path.size(); i++) {
            if (i > 0) {
                name.append('_');
            }
            String segment = path.get(i);
            for (int c = 0; c < segment.length(); c++) {
                char ch = segment.charAt(c);
                if (Character.isUpperCase(ch) && c > 0 && !Character.isUpperCase(segment.charAt(c - 1))) {
                    name.append('_');
                }
                name.append(Character.isLetterOrDigit(ch) ? Character.toUpperCase(ch) : '_');
            }
        }
        return name.toString();
    }

    // ---- step 1: ${VAR} interpolation ----

    private void interpolate(JsonNode node, String path) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (field.getValue().isTextual()) {
                    field.setValue(TextNode.valueOf(interpolate(field.getValue().asText(), childPath)));
                } else {
                    interpolate(field.getValue(), childPath);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                String childPath = path + "[" + i + "]";
                if (array.get(i).isTextual()) {
                    array.set(i, TextNode.valueOf(interpolate(array.get(i).asText(), childPath)));
                } else {
                    interpolate(array.get(i), childPath);
                }
            }
        }
    }

    private String interpolate(String value, String path) {
        Matcher matcher = PLACEHOLDER.matcher(value);
        StringBuilder result = new StringBuilder();
        int last = 0;
        while (matcher.find()) {
            String literal = value.substring(last, matcher.start());
            rejectStrayPlaceholder(literal, path);
            result.append(literal);
            String variable = matcher.group(1);
            String fromEnvironment = environment.get(variable);
            boolean hasDefault = matcher.group(2) != null;
            if (hasDefault && (fromEnvironment == null || fromEnvironment.isEmpty())) {
                result.append(matcher.group(3));
            } else if (fromEnvironment != null) {
                result.append(fromEnvironment);
            } else {
                throw new ConfigException(
                        path,
                        "refers to ${" + variable + "}, which is not set (set it, or give a default: ${" + variable
                                + ":-value})");
            }
            last = matcher.end();
        }
        String tail = value.substring(last);
        rejectStrayPlaceholder(tail, path);
        return result.append(tail).toString();
    }

    private static void rejectStrayPlaceholder(String literal, String path) {
        if (literal.contains("${")) {
            throw new ConfigException(path, "has a malformed ${...} placeholder; write ${NAME} or ${NAME:-default}");
        }
    }

    // ---- step 2: OMNISERVICE_* overrides ----

    private void applyEnvironment(ObjectNode root) {
        overrideLeaves(root, new ArrayList<>());
        for (List<String> leaf : SCHEMA_LEAVES) {
            String override = environment.get(environmentName(leaf));
            if (override != null) {
                ObjectNode parent = root;
                for (String segment : leaf.subList(0, leaf.size() - 1)) {
                    JsonNode child = parent.get(segment);
                    if (child == null || child.isNull()) {
                        child = parent.putObject(segment);
                    }
                    if (!(child instanceof ObjectNode object)) {
                        break; // not a mapping: validation reports the key
                    }
                    parent = object;
                }
                parent.put(leaf.getLast(), override);
            }
        }
    }

    private void overrideLeaves(JsonNode node, List<String> path) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                path.add(field.getKey());
                if (field.getValue().isContainerNode()) {
                    overrideLeaves(field.getValue(), path);
                } else {
                    String override = environment.get(environmentName(path));
                    if (override != null) {
                        field.setValue(TextNode.valueOf(override));
                    }
                }
                path.removeLast();
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                path.add(Integer.toString(i));
                if (array.get(i).isContainerNode()) {
                    overrideLeaves(array.get(i), path);
                } else {
                    String override = environment.get(environmentName(path));
                    if (override != null) {
                        array.set(i, TextNode.valueOf(override));
                    }
                }
                path.removeLast();
            }
        }
    }

    // ---- step 3: validation into records ----

    static GatewayConfig bind(ConfigSection root) {
        root.rejectUnknown(Set.of(
                "server",
                "storage",
                "api",
                "carriers",
                "outbound",
                "templates",
                "processing",
                "notifications",
                "media",
                "tracing",
                "logging",
                ConfiguredSecrets.SECTION));
        // read in this order, so the first bad key reported is the first in the file's usual layout
        Server server = server(root.requiredSection("server"));
        Storage storage = storage(root.requiredSection("storage"));
        Api api = api(root.requiredSection("api"));
        var carriers = carriers(root);
        GatewayConfig.Outbound outbound = outbound(root.section("outbound"), root.requiredSection("api"));
        var templates = templates(root.section("templates"));
        ConfigSection notifications =
                root.section("notifications").orElse(ConfigSection.asSection("notifications", YAML.createObjectNode()));
        notifications.rejectUnknown(
                Set.of("initialBackoffMillis", "maxBackoffSeconds", "retryForHours", "keepEventsHours"));
        return new GatewayConfig(
                server,
                storage,
                api,
                carriers,
                withEventDeliveries(outbound, notifications),
                templates,
                processing(root.section("processing"), outbound.nodeId(), notifications),
                media(root.section("media"), storage),
                telemetry(root.section("tracing")),
                logging(root.section("logging")));
    }

    private static GatewayConfig.Telemetry telemetry(Optional<ConfigSection> section) {
        if (section.isEmpty()) {
            return GatewayConfig.Telemetry.OFF;
        }
        ConfigSection t = section.get();
        t.rejectUnknown(Set.of("enabled", "serviceName", "sampleRatio", "otlp"));
        GatewayConfig.Telemetry off = GatewayConfig.Telemetry.OFF;
        double ratio = off.sampleRatio();
        Optional<String> ratioText = t.text("sampleRatio");
        if (ratioText.isPresent()) {
            try {
                ratio = Double.parseDouble(ratioText.get().trim());
            } catch (NumberFormatException notANumber) {
                ratio = Double.NaN;
            }
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new ConfigException(
                        t.keyPath("sampleRatio"), "must be a number from 0 to 1, got '" + ratioText.get() + "'");
            }
        }
        URI endpoint = off.otlpEndpoint();
        Map<String, String> headers = new LinkedHashMap<>();
        java.time.Duration timeout = off.otlpTimeout();
        Optional<ConfigSection> otlp = t.section("otlp");
        if (otlp.isPresent()) {
            ConfigSection o = otlp.get();
            o.rejectUnknown(Set.of("endpoint", "headers", "timeoutSeconds"));
            if (o.text("endpoint").isPresent()) {
                endpoint = httpUrl(o, "endpoint", o.requiredText("endpoint").trim());
            }
            Optional<ConfigSection> h = o.section("headers");
            if (h.isPresent()) {
                for (String name : h.get().fieldNames()) {
                    headers.put(name, h.get().requiredText(name));
                }
            }
            timeout = java.time.Duration.ofSeconds(o.number("timeoutSeconds", timeout.toSeconds(), 1, 300));
        }
        String serviceName = t.text("serviceName").orElse(off.serviceName());
        if (serviceName.isBlank()) {
            throw new ConfigException(t.keyPath("serviceName"), "must not be empty");
        }
        return new GatewayConfig.Telemetry(t.bool("enabled", false), serviceName, ratio, endpoint, headers, timeout);
    }

    private static GatewayConfig.Logging logging(Optional<ConfigSection> section) {
        if (section.isEmpty()) {
            return GatewayConfig.Logging.TEXT;
        }
        ConfigSection l = section.get();
        l.rejectUnknown(Set.of("format", "requests"));
        String format = l.text("format").orElse("text").trim();
        String requests = l.text("requests").orElse("errors").trim();
        return new GatewayConfig.Logging(
                switch (format) {
                    case "text" -> GatewayConfig.Logging.Format.TEXT;
                    case "json" -> GatewayConfig.Logging.Format.JSON;
                    default ->
                        throw new ConfigException(l.keyPath("format"), "must be text or json, got '" + format + "'");
                },
                switch (requests) {
                    case "all" -> GatewayConfig.Logging.Requests.ALL;
                    case "errors" -> GatewayConfig.Logging.Requests.ERRORS;
                    case "none" -> GatewayConfig.Logging.Requests.NONE;
                    default ->
                        throw new ConfigException(
                                l.keyPath("requests"), "must be all, errors or none, got '" + requests + "'");
                });
    }

    private static GatewayConfig.Media media(Optional<ConfigSection> section, Storage storage) {
        ConfigSection m = section.orElse(ConfigSection.asSection("media", YAML.createObjectNode()));
        m.rejectUnknown(Set.of(
                "directory",
                "s3",
                "signingSecret",
                "urlTtlMinutes",
                "sendUrlTtlMinutes",
                "thumbnailWidth",
                "maxPixels",
                "maxBytes",
                "fetch",
                "clamd",
                "ffmpeg"));
        Path directory = m.text("directory")
                .map(Path::of)
                .orElseGet(() -> storage instanceof Storage.Embedded embedded
                        ? embedded.path().resolve("media")
                        : Path.of("./data/media"));
        io.omniservice.media.store.S3Settings s3 =
                m.section("s3").map(ConfigLoader::s3).orElse(null);
        if (s3 == null && storage instanceof Storage.Aws) {
            throw new ConfigException(
                    m.keyPath("s3"),
                    "is required when storage.mode is aws: every node (and every Lambda) reads the same media");
        }
        String secret = m.text("signingSecret").orElse(null);
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException(m.keyPath("signingSecret"), "must be at least 32 bytes");
        }
        ConfigSection limits =
                m.section("maxBytes").orElse(ConfigSection.asSection("media.maxBytes", YAML.createObjectNode()));
        limits.rejectUnknown(Set.of("image", "video", "audio", "document"));
        Map<String, Long> maxBytes = new LinkedHashMap<>();
        for (String kind : List.of("image", "video", "audio", "document")) {
            limits.value(kind).ifPresent(v -> maxBytes.put(kind, limits.number(kind, 0, 1, 2L * 1024 * 1024 * 1024)));
        }
        ConfigSection fetch =
                m.section("fetch").orElse(ConfigSection.asSection("media.fetch", YAML.createObjectNode()));
        fetch.rejectUnknown(Set.of("connectTimeoutMillis", "timeoutSeconds", "attempts", "allowedNetworks"));
        List<String> allowed = allowedNetworks(fetch);
        String clamd = m.text("clamd").orElse(null);
        if (clamd != null) {
            String problem = "must be tcp://host:port or unix:/path/to/clamd.sock, got '" + clamd + "'";
            if (!clamd.startsWith("tcp://") && !clamd.startsWith("unix:")) {
                throw new ConfigException(m.keyPath("clamd"), problem);
            }
            try {
                io.omniservice.media.check.ClamdTarget.parse(clamd);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(m.keyPath("clamd"), e.getMessage());
            }
        }
        return new GatewayConfig.Media(
                directory,
                s3,
                secret,
                java.time.Duration.ofMinutes(m.number("urlTtlMinutes", 24 * 60, 1, 7 * 24 * 60)),
                java.time.Duration.ofMinutes(m.number("sendUrlTtlMinutes", 24 * 60, 1, 7 * 24 * 60)),
                (int) m.number("thumbnailWidth", 320, 16, 4096),
                m.number("maxPixels", 50_000_000, 1_000, 1_000_000_000),
                maxBytes,
                java.time.Duration.ofMillis(fetch.number("connectTimeoutMillis", 5_000, 10, 120_000)),
                java.time.Duration.ofSeconds(fetch.number("timeoutSeconds", 30, 1, 3_600)),
                (int) fetch.number("attempts", 2, 1, 10),
                allowed,
                clamd,
                m.text("ffmpeg").orElse(null));
    }

    private static io.omniservice.media.store.S3Settings s3(ConfigSection s3) {
        s3.rejectUnknown(
                Set.of("bucket", "region", "endpoint", "pathStyle", "accessKeyId", "secretAccessKey", "prefix"));
        URI endpoint =
                s3.text("endpoint").map(raw -> httpUrl(s3, "endpoint", raw)).orElse(null);
        String keyId = s3.text("accessKeyId").orElse(null);
        String secret = s3.text("secretAccessKey").orElse(null);
        if ((keyId == null) != (secret == null)) {
            throw new ConfigException(
                    s3.keyPath("accessKeyId"), "give both accessKeyId and secretAccessKey, or neither");
        }
        String bucket = s3.requiredText("bucket");
        try {
            return new io.omniservice.media.store.S3Settings(
                    bucket,
                    s3.text("region").orElse("us-east-1"),
                    endpoint,
                    s3.text("pathStyle").map(Boolean::parseBoolean).orElse(endpoint != null),
                    keyId,
                    secret,
                    s3.text("prefix").orElse(""));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s3.path(), e.getMessage());
        }
    }

    private static Server server(ConfigSection server) {
        server.rejectUnknown(Set.of(
                "port",
                "publicBaseUrl",
                "maxBodyBytes",
                "maxConnections",
                "maxConnectionsPerAddress",
                "idleTimeoutSeconds",
                "metrics",
                "trustedProxies"));
        int port = (int) server.number("port", Server.DEFAULT_PORT, 0, 65_535);
        long maxBodyBytes = server.number("maxBodyBytes", Server.DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE - 64);
        int maxConnections = (int) server.number("maxConnections", Server.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
        int perAddress = (int) server.number(
                "maxConnectionsPerAddress",
                Math.min(Server.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, maxConnections),
                1,
                maxConnections);
        java.time.Duration idle = java.time.Duration.ofSeconds(
                server.number("idleTimeoutSeconds", Server.DEFAULT_IDLE_TIMEOUT.toSeconds(), 1, 3_600));
        GatewayConfig.Metrics metrics = GatewayConfig.Metrics.ADMIN_ONLY;
        Optional<ConfigSection> m = server.section("metrics");
        if (m.isPresent()) {
            m.get().rejectUnknown(Set.of("token", "open"));
            String token = m.get().text("token").orElse(null);
            if (token != null && token.length() < 16) {
                throw new ConfigException(m.get().keyPath("token"), "must be at least 16 characters");
            }
            metrics = new GatewayConfig.Metrics(token, m.get().bool("open", false));
        }
        return new Server(
                port,
                publicBaseUrl(server),
                maxBodyBytes,
                maxConnections,
                perAddress,
                idle,
                metrics,
                networks(server, "trustedProxies", io.omniservice.core.net.TrustedProxies::of));
    }

    private static String publicBaseUrl(ConfigSection server) {
        String key = server.keyPath("publicBaseUrl");
        String raw = server.requiredText("publicBaseUrl").trim();
        String problem = "must be an absolute http(s) URL without query or fragment, such as "
                + "https://gateway.example.com, got '" + raw + "'";
        try {
            URI uri = new URI(raw);
            boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            if (!http || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new ConfigException(key, problem);
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(key, problem);
        }
        return raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }

    /**
     * The engine {@code storage.embedded.engine} names; unnamed, SQLite for a new data directory and H2 for one that
     * already holds an H2 database (and no SQLite one), so a gateway upgraded in place keeps its data.
     */
    private static Storage.Embedded.Engine embeddedEngine(
            ConfigSection storage, Optional<ConfigSection> embedded, Path directory) {
        Optional<String> named = embedded.flatMap(section -> section.text("engine"));
        if (named.isEmpty()) {
            return Files.exists(directory.resolve(Storage.Embedded.Engine.H2.file()))
                            && !Files.exists(directory.resolve(Storage.Embedded.Engine.SQLITE.file()))
                    ? Storage.Embedded.Engine.H2
                    : Storage.Embedded.Engine.SQLITE;
        }
        String name = named.get().trim();
        return Arrays.stream(Storage.Embedded.Engine.values())
                .filter(engine -> engine.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> new ConfigException(
                        storage.keyPath("embedded.engine"), "must be sqlite or h2, got '" + name + "'"));
    }

    /**
     * A data directory that holds another engine's database is refused: the chosen engine would start an empty
     * store beside the messages, conversations and queued sends already there. Nothing converts one engine's
     * file into the other's.
     */
    private static void refuseOtherEnginesData(ConfigSection storage, Path directory, Storage.Embedded.Engine engine) {
        for (Storage.Embedded.Engine other : Storage.Embedded.Engine.values()) {
            Path found = directory.resolve(other.file());
            if (other != engine && Files.exists(found) && !Files.exists(directory.resolve(engine.file()))) {
                throw new ConfigException(
                        storage.keyPath("embedded.engine"),
                        "is " + engine.wireName() + ", but the data directory holds a " + other.wireName()
                                + " database (" + found + "): set storage.embedded.engine: " + other.wireName()
                                + " to keep using it, or point storage.embedded.path at another directory for a new,"
                                + " empty " + engine.wireName() + " store");
            }
        }
    }

    private static Storage storage(ConfigSection storage) {
        storage.rejectUnknown(Set.of("mode", "embedded", "postgres", "aws"));
        String mode = storage.requiredText("mode");
        var embedded = storage.section("embedded");
        var postgres = storage.section("postgres");
        embedded.ifPresent(section -> section.rejectUnknown(Set.of("path", "engine")));
        postgres.ifPresent(section -> section.rejectUnknown(Set.of("jdbcUrl", "username", "password", "poolSize")));
        return switch (mode) {
            case "embedded" -> {
                String path = embedded.flatMap(section -> section.text("path")).orElse("./data");
                String key = storage.keyPath("embedded.path");
                if (path.isBlank()) {
                    throw new ConfigException(key, "must not be empty");
                }
                Path directory;
                try {
                    directory = Path.of(path);
                } catch (InvalidPathException e) {
                    throw new ConfigException(key, "is not a valid path: " + e.getReason());
                }
                Storage.Embedded.Engine engine = embeddedEngine(storage, embedded, directory);
                refuseOtherEnginesData(storage, directory, engine);
                yield new Storage.Embedded(directory, engine);
            }
            case "postgres" -> {
                ConfigSection section = postgres.orElseThrow(() ->
                        new ConfigException(storage.keyPath("postgres"), "is required when storage.mode is postgres"));
                String jdbcUrl = section.requiredText("jdbcUrl");
                if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                    throw new ConfigException(
                            section.keyPath("jdbcUrl"),
                            "must be a PostgreSQL JDBC URL such as jdbc:postgresql://db:5432/omniservice");
                }
                // required, but may be empty: trust, peer and certificate authentication need no password
                String password = section.text("password")
                        .orElseThrow(() -> new ConfigException(
                                section.keyPath("password"),
                                "is required (write password: \"\" for a server that asks for none)"));
                yield new Storage.Postgres(jdbcUrl, section.requiredText("username"), password, (int)
                        section.number("poolSize", Storage.Postgres.DEFAULT_POOL_SIZE, 1, 1_000));
            }
            case "aws" ->
                new Storage.Aws(aws(storage.section("aws")
                        .orElseThrow(() ->
                                new ConfigException(storage.keyPath("aws"), "is required when storage.mode is aws"))));
            default ->
                throw new ConfigException(
                        storage.keyPath("mode"), "must be embedded, postgres or aws, got '" + mode + "'");
        };
    }

    private static io.omniservice.aws.AwsSettings aws(ConfigSection aws) {
        aws.rejectUnknown(Set.of(
                "region",
                "tablePrefix",
                "createTables",
                "sendQueue",
                "eventTopicArn",
                "endpoints",
                "accessKeyId",
                "secretAccessKey"));
        Map<String, URI> endpoints = new LinkedHashMap<>();
        aws.section("endpoints").ifPresent(section -> {
            section.rejectUnknown(io.omniservice.aws.AwsSettings.SERVICES);
            for (String service : io.omniservice.aws.AwsSettings.SERVICES) {
                section.text(service).ifPresent(raw -> endpoints.put(service, httpUrl(section, service, raw)));
            }
        });
        try {
            return new io.omniservice.aws.AwsSettings(
                    aws.requiredText("region"),
                    aws.text("tablePrefix").orElse("omniservice-"),
                    aws.bool("createTables", false),
                    aws.text("sendQueue").orElse("omniservice-sends"),
                    aws.text("eventTopicArn").orElse(null),
                    endpoints,
                    aws.text("accessKeyId").orElse(null),
                    aws.text("secretAccessKey").orElse(null));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(aws.path(), e.getMessage());
        }
    }

    /** An absolute http(s) URL such as {@code http://127.0.0.1:9000}, or the error naming its key. */
    private static URI httpUrl(ConfigSection section, String key, String raw) {
        URI url;
        try {
            url = new URI(raw);
        } catch (URISyntaxException e) {
            url = null;
        }
        if (url == null
                || url.getHost() == null
                || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new ConfigException(
                    section.keyPath(key), "must be an http(s) URL such as http://127.0.0.1:9000, got '" + raw + "'");
        }
        return url;
    }

    private static Api api(ConfigSection api) {
        api.rejectUnknown(Set.of("keys", "jwt", "rateLimit", "limits"));
        JsonNode keys = api.required("keys");
        if (!keys.isArray() || keys.isEmpty()) {
            throw new ConfigException(api.keyPath("keys"), "must list at least one {name, key}");
        }
        List<ApiKey> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> secrets = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            ConfigSection entry = ConfigSection.asSection(api.keyPath("keys") + "[" + i + "]", keys.get(i));
            entry.rejectUnknown(Set.of("name", "key", "scopes", "signingSecret", "rateLimit"));
            String name = entry.requiredText("name");
            String key = entry.requiredText("key");
            if (name.length() > 120 || !name.matches("[A-Za-z0-9._:@-]+")) {
                throw new ConfigException(
                        entry.keyPath("name"), "must be 1 to 120 letters, digits or . _ : @ - (it names the client)");
            }
            // a lone key without scopes is the admin it always was; with several keys, scopes say who is who
            Set<Scope> scopes = scopes(entry, keys.size() == 1 ? Set.of(Scope.ADMIN) : Scope.standard());
            String signingSecret = entry.text("signingSecret").orElse(null);
            if (signingSecret != null && signingSecret.length() < 16) {
                throw new ConfigException(entry.keyPath("signingSecret"), "must be at least 16 characters");
            }
            if (!names.add(name)) {
                throw new ConfigException(entry.keyPath("name"), "'" + name + "' names two keys; names must differ");
            }
            if (!secrets.add(key)) {
                throw new ConfigException(entry.keyPath("key"), "repeats another entry's key; keys must differ");
            }
            GatewayConfig.RateLimit ownLimit = entry.section("rateLimit")
                    .map(limit -> rateLimit(Optional.of(limit)))
                    .orElse(null);
            result.add(new ApiKey(name, key, scopes, signingSecret, ownLimit));
        }
        return new Api(result, jwt(api.section("jwt")), rateLimit(api.section("rateLimit")), limits(api));
    }

    private static Set<Scope> scopes(ConfigSection entry, Set<Scope> otherwise) {
        if (entry.value("scopes").isEmpty()) {
            return otherwise;
        }
        JsonNode list = entry.required("scopes");
        String known = java.util.Arrays.stream(Scope.values())
                .map(Scope::wireName)
                .collect(java.util.stream.Collectors.joining(", "));
        if (!list.isArray() || list.isEmpty()) {
            throw new ConfigException(entry.keyPath("scopes"), "must list one or more of " + known);
        }
        Set<Scope> scopes = java.util.EnumSet.noneOf(Scope.class);
        for (int i = 0; i < list.size(); i++) {
            String name = list.get(i).asText("");
            scopes.add(Scope.fromWireName(name)
                    .orElseThrow(() -> new ConfigException(
                            entry.keyPath("scopes"), "'" + name + "' is not a scope; known: " + known)));
        }
        return scopes;
    }

    private static GatewayConfig.Limits limits(ConfigSection api) {
        Optional<ConfigSection> section = api.section("limits");
        if (section.isEmpty()) {
            return GatewayConfig.Limits.DEFAULTS;
        }
        ConfigSection l = section.get();
        l.rejectUnknown(
                Set.of("subscriptionsPerClient", "rulesPerClient", "eventStreamsPerClient", "failedAuthPerMinute"));
        GatewayConfig.Limits d = GatewayConfig.Limits.DEFAULTS;
        return new GatewayConfig.Limits(
                (int) l.number("subscriptionsPerClient", d.subscriptionsPerClient(), 0, 10_000),
                (int) l.number("rulesPerClient", d.rulesPerClient(), 0, 10_000),
                (int) l.number("eventStreamsPerClient", d.eventStreamsPerClient(), 0, 1_000),
                (int) l.number("failedAuthPerMinute", d.failedAuthPerMinute(), 1, 100_000));
    }

    private static GatewayConfig.Jwt jwt(Optional<ConfigSection> section) {
        if (section.isEmpty()) {
            return null;
        }
        ConfigSection jwt = section.get();
        jwt.rejectUnknown(Set.of("hs256Secret", "jwksUrl", "issuer", "audience"));
        String secret = jwt.text("hs256Secret").orElse(null);
        URI jwks = jwt.text("jwksUrl")
                .map(url -> httpUrl(jwt.keyPath("jwksUrl"), url))
                .orElse(null);
        if (secret == null && jwks == null) {
            throw new ConfigException(jwt.path(), "needs hs256Secret or jwksUrl (or both)");
        }
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException(jwt.keyPath("hs256Secret"), "must be at least 32 bytes (256 bits) for HS256");
        }
        return new GatewayConfig.Jwt(
                secret,
                jwks,
                jwt.text("issuer").orElse(null),
                jwt.text("audience").orElse(null));
    }

    private static GatewayConfig.RateLimit rateLimit(Optional<ConfigSection> section) {
        if (section.isEmpty()) {
            return new GatewayConfig.RateLimit(100, 200);
        }
        ConfigSection limit = section.get();
        limit.rejectUnknown(Set.of("requestsPerSecond", "burst"));
        long perSecond = limit.number("requestsPerSecond", 100, 1, 1_000_000);
        return new GatewayConfig.RateLimit(perSecond, limit.number("burst", perSecond * 2, 1, 10_000_000));
    }

    private static URI httpUrl(String key, String raw) {
        try {
            URI uri = new URI(raw.trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ConfigException(key, "must be an http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(key, "is not a URL: " + e.getReason());
        }
    }

    /** The CIDR blocks under {@code allowedNetworks} in {@code section}, each checked; empty when absent. */
    private static List<String> allowedNetworks(ConfigSection section) {
        return networks(
                section,
                "allowedNetworks",
                one -> new io.omniservice.core.net.AddressGuard(section.keyPath("allowedNetworks"), one));
    }

    /**
     * The CIDR blocks listed under {@code name} in {@code section}, each checked by handing it alone to
     * {@code check} (which throws IllegalArgumentException naming what is wrong); empty when absent.
     */
    private static List<String> networks(
            ConfigSection section, String name, java.util.function.Consumer<List<String>> check) {
        List<String> allowed = new ArrayList<>();
        if (section.value(name).isPresent()) {
            String key = section.keyPath(name);
            JsonNode list = section.required(name);
            if (!list.isArray()) {
                throw new ConfigException(key, "must be a list of CIDR blocks, such as 10.0.0.0/8");
            }
            for (int i = 0; i < list.size(); i++) {
                String at = key + "[" + i + "]";
                if (!list.get(i).isTextual()) {
                    throw new ConfigException(at, "must be a CIDR block such as 10.0.0.0/8");
                }
                try {
                    check.accept(List.of(list.get(i).asText()));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(at, e.getMessage());
                }
                allowed.add(list.get(i).asText());
            }
        }
        return allowed;
    }

    private static GatewayConfig.Outbound outbound(Optional<ConfigSection> section, ConfigSection api) {
        ConfigSection none = ConfigSection.asSection("outbound", YAML.createObjectNode());
        ConfigSection out = section.orElse(none);
        out.rejectUnknown(Set.of(
                "nodeId",
                "leaseSeconds",
                "maxInFlight",
                "pollMillis",
                "sendTimeoutMillis",
                "whatsAppWindowHours",
                "retry",
                "breaker",
                "callbacks",
                "pacing"));
        ConfigSection retry =
                out.section("retry").orElse(ConfigSection.asSection("outbound.retry", YAML.createObjectNode()));
        retry.rejectUnknown(Set.of("maxAttempts", "initialBackoffMillis", "maxBackoffMillis", "maxRetryAfterSeconds"));
        ConfigSection breaker =
                out.section("breaker").orElse(ConfigSection.asSection("outbound.breaker", YAML.createObjectNode()));
        breaker.rejectUnknown(Set.of("window", "minimumCalls", "failureRatePercent", "openSeconds", "halfOpenCalls"));
        ConfigSection callbacks =
                out.section("callbacks").orElse(ConfigSection.asSection("outbound.callbacks", YAML.createObjectNode()));
        callbacks.rejectUnknown(Set.of(
                "signingSecret",
                "maxAttempts",
                "initialBackoffMillis",
                "maxBackoffSeconds",
                "timeoutMillis",
                "allowedNetworks",
                "concurrency"));
        // without a secret of its own, callbacks are signed with the first API key, which their receiver holds
        String secret = callbacks
                .text("signingSecret")
                .orElseGet(() -> ConfigSection.scalar(
                        "api.keys[0].key", api.required("keys").get(0).path("key")));
        long window = breaker.number("window", 20, 1, 10_000);
        OutboundSettings settings = new OutboundSettings(
                java.time.Duration.ofSeconds(out.number("leaseSeconds", 300, 5, 86_400)),
                (int) out.number("maxInFlight", 256, 1, 100_000),
                java.time.Duration.ofMillis(out.number("pollMillis", 200, 10, 60_000)),
                java.time.Duration.ofMillis(out.number("sendTimeoutMillis", 10_000, 50, 600_000)),
                new OutboundSettings.Retry(
                        (int) retry.number("maxAttempts", 3, 1, 100),
                        java.time.Duration.ofMillis(retry.number("initialBackoffMillis", 500, 1, 3_600_000)),
                        2.0,
                        java.time.Duration.ofMillis(retry.number("maxBackoffMillis", 10_000, 1, 3_600_000)),
                        java.time.Duration.ofSeconds(retry.number("maxRetryAfterSeconds", 60, 0, 86_400))),
                new OutboundSettings.Breaker(
                        (int) window,
                        (int) breaker.number("minimumCalls", Math.min(10, window), 1, window),
                        breaker.number("failureRatePercent", 50, 1, 100),
                        java.time.Duration.ofSeconds(breaker.number("openSeconds", 30, 1, 86_400)),
                        (int) breaker.number("halfOpenCalls", 3, 1, 1_000)),
                new OutboundSettings.Callbacks(
                        secret,
                        (int) callbacks.number("maxAttempts", 10, 1, 1_000),
                        java.time.Duration.ofMillis(callbacks.number("initialBackoffMillis", 1_000, 1, 3_600_000)),
                        java.time.Duration.ofSeconds(callbacks.number("maxBackoffSeconds", 600, 1, 86_400)),
                        java.time.Duration.ofMillis(callbacks.number("timeoutMillis", 10_000, 1, 600_000)),
                        OutboundSettings.Events.defaults(),
                        allowedNetworks(callbacks),
                        (int) callbacks.number(
                                "concurrency", OutboundSettings.Callbacks.DEFAULT_CONCURRENCY, 1, 10_000)),
                java.time.Duration.ofHours(out.number("whatsAppWindowHours", 24, 1, 24 * 365)));
        return new GatewayConfig.Outbound(
                out.text("nodeId").orElse(defaultNodeId()),
                settings,
                pacing(out.section("pacing")
                        .orElse(ConfigSection.asSection("outbound.pacing", YAML.createObjectNode()))));
    }

    /** {@code outbound.pacing}: each sender's messages per second, by number type, then per account and number. */
    private static SenderPacing.Settings pacing(ConfigSection section) {
        List<String> known = new ArrayList<>(List.of("enabled", "recoverSeconds", "senders"));
        for (SenderPacing.NumberType type : SenderPacing.NumberType.values()) {
            known.add(type.configName());
        }
        section.rejectUnknown(Set.copyOf(known));
        java.util.Map<SenderPacing.NumberType, Double> defaults =
                new java.util.EnumMap<>(SenderPacing.NumberType.class);
        for (SenderPacing.NumberType type : SenderPacing.NumberType.values()) {
            Double carrierDefault = SenderPacing.Settings.CARRIER_DEFAULTS.get(type);
            if (carrierDefault != null || section.value(type.configName()).isPresent()) {
                defaults.put(type, rate(section, type.configName(), carrierDefault == null ? 0 : carrierDefault));
            }
        }
        List<SenderPacing.SenderRate> senders = new ArrayList<>();
        if (section.value("senders").isPresent()) {
            JsonNode list = section.required("senders");
            if (!list.isArray()) {
                throw new ConfigException(
                        section.keyPath("senders"), "must be a list of {carrier, account, from, mps}");
            }
            for (int i = 0; i < list.size(); i++) {
                ConfigSection one = ConfigSection.asSection(section.keyPath("senders") + "[" + i + "]", list.get(i));
                one.rejectUnknown(Set.of("carrier", "account", "from", "mps"));
                String name = one.requiredText("carrier");
                CarrierType carrier = CarrierType.fromWireName(name)
                        .orElseThrow(
                                () -> new ConfigException(one.keyPath("carrier"), "unknown carrier '" + name + "'"));
                senders.add(new SenderPacing.SenderRate(
                        carrier,
                        one.text("account").orElse("default"),
                        one.text("from").orElse(null),
                        rate(one, "mps", -1)));
            }
        }
        return new SenderPacing.Settings(
                section.bool("enabled", false),
                defaults,
                senders,
                java.time.Duration.ofSeconds(section.number("recoverSeconds", 10, 1, 86_400)));
    }

    /** A rate in messages per second, above 0 and at most 10 000; {@code fallback} below 0: required. */
    private static double rate(ConfigSection section, String key, double fallback) {
        Optional<String> text = section.text(key);
        if (text.isEmpty()) {
            if (fallback < 0) {
                throw new ConfigException(section.keyPath(key), "is required");
            }
            return fallback;
        }
        try {
            double value = Double.parseDouble(text.get().trim());
            if (value > 0 && value <= 10_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new ConfigException(section.keyPath(key), "must be messages per second, above 0 and at most 10000");
    }

    /** Subscription deliveries and rule forwards share the callback dispatcher, with their own retry window. */
    private static GatewayConfig.Outbound withEventDeliveries(GatewayConfig.Outbound outbound, ConfigSection section) {
        OutboundSettings s = outbound.settings();
        OutboundSettings.Callbacks c = s.callbacks();
        OutboundSettings.Events events = new OutboundSettings.Events(
                java.time.Duration.ofMillis(section.number("initialBackoffMillis", 1_000, 1, 3_600_000)),
                java.time.Duration.ofSeconds(section.number("maxBackoffSeconds", 3_600, 1, 86_400)),
                java.time.Duration.ofHours(section.number("retryForHours", 24, 1, 24 * 30)));
        return new GatewayConfig.Outbound(
                outbound.nodeId(),
                new OutboundSettings(
                        s.lease(),
                        s.maxInFlight(),
                        s.pollInterval(),
                        s.sendTimeout(),
                        s.retry(),
                        s.breaker(),
                        c.withEvents(events),
                        s.whatsAppWindow()),
                outbound.pacing());
    }

    private static GatewayConfig.Processing processing(
            Optional<ConfigSection> section, String nodeId, ConfigSection notifications) {
        ConfigSection p = section.orElse(ConfigSection.asSection("processing", YAML.createObjectNode()));
        p.rejectUnknown(Set.of("leaseSeconds", "maxInFlight", "pollMillis", "retry", "compliance", "rules"));
        ConfigSection retry =
                p.section("retry").orElse(ConfigSection.asSection("processing.retry", YAML.createObjectNode()));
        retry.rejectUnknown(Set.of("maxAttempts", "initialBackoffMillis", "maxBackoffSeconds"));
        ConfigSection compliance = p.section("compliance")
                .orElse(ConfigSection.asSection("processing.compliance", YAML.createObjectNode()));
        compliance.rejectUnknown(Set.of("helpText", "optOutText", "optInText", "carrierAnswersOnLongCodes"));
        io.omniservice.core.workflow.ComplianceSettings defaults =
                io.omniservice.core.workflow.ComplianceSettings.defaults();
        Set<CarrierType> carrierAnswers = defaults.carrierAnswersOnLongCodes();
        if (compliance.value("carrierAnswersOnLongCodes").isPresent()) {
            JsonNode list = compliance.required("carrierAnswersOnLongCodes");
            String key = compliance.keyPath("carrierAnswersOnLongCodes");
            if (!list.isArray()) {
                throw new ConfigException(key, "must be a list of carrier names");
            }
            carrierAnswers = new java.util.HashSet<>();
            for (JsonNode name : list) {
                carrierAnswers.add(CarrierType.fromWireName(name.asText())
                        .orElseThrow(() -> new ConfigException(key, "unknown carrier '" + name.asText() + "'")));
            }
        }
        List<io.omniservice.core.rules.Rule> rules = new ArrayList<>();
        if (p.value("rules").isPresent()) {
            JsonNode list = p.required("rules");
            if (!list.isArray()) {
                throw new ConfigException(p.keyPath("rules"), "must be a list of rules");
            }
            for (int i = 0; i < list.size(); i++) {
                try {
                    io.omniservice.core.rules.Rule rule = io.omniservice.core.rules.RuleParser.parse(list.get(i), null);
                    rules.add(rule.withId("config:" + rule.name()));
                } catch (io.omniservice.core.rules.InvalidRuleException e) {
                    String at = p.keyPath("rules") + "[" + i + "]" + (e.field() == null ? "" : "." + e.field());
                    throw new ConfigException(at, e.detail());
                }
            }
        }
        return new GatewayConfig.Processing(
                new io.omniservice.core.feed.FeedSettings(
                        nodeId,
                        java.time.Duration.ofSeconds(p.number("leaseSeconds", 60, 5, 86_400)),
                        (int) p.number("maxInFlight", 256, 1, 100_000),
                        java.time.Duration.ofMillis(p.number("pollMillis", 250, 10, 60_000))),
                new io.omniservice.core.workflow.StepRetry(
                        (int) retry.number("maxAttempts", 8, 1, 1_000),
                        java.time.Duration.ofMillis(retry.number("initialBackoffMillis", 1_000, 1, 3_600_000)),
                        java.time.Duration.ofSeconds(retry.number("maxBackoffSeconds", 300, 1, 86_400))),
                new io.omniservice.core.workflow.ComplianceSettings(
                        compliance.text("helpText").orElse(defaults.helpText()),
                        compliance.text("optOutText").orElse(null),
                        compliance.text("optInText").orElse(null),
                        Set.copyOf(carrierAnswers)),
                rules,
                java.time.Duration.ofHours(notifications.number("keepEventsHours", 168, 1, 24 * 365)));
    }

    /** The host name: stable across restarts, so a restarted node takes its own leases back at once. */
    private static String defaultNodeId() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "omniservice";
        }
    }

    private static Map<String, String> templates(Optional<ConfigSection> section) {
        Map<String, String> templates = new LinkedHashMap<>();
        section.ifPresent(t -> t.fieldNames().forEach(name -> templates.put(name, t.requiredText(name))));
        return templates;
    }

    private static Map<CarrierType, Map<String, CarrierSettings>> carriers(ConfigSection root) {
        var section = root.section("carriers");
        Map<CarrierType, Map<String, CarrierSettings>> carriers = new EnumMap<>(CarrierType.class);
        if (section.isEmpty()) {
            return carriers;
        }
        JsonNode node = root.required("carriers");
        for (Map.Entry<String, JsonNode> carrierEntry : node.properties()) {
            String carrierPath = "carriers." + carrierEntry.getKey();
            CarrierType type = CarrierType.fromWireName(carrierEntry.getKey())
                    .orElseThrow(() -> new ConfigException(
                            carrierPath,
                            "unknown carrier; known carriers are "
                                    + Arrays.stream(CarrierType.values())
                                            .map(CarrierType::wireName)
                                            .toList()));
            if (carrierEntry.getValue() == null
                    || !carrierEntry.getValue().isObject()
                    || carrierEntry.getValue().isEmpty()) {
                throw new ConfigException(
                        carrierPath, "must map account names (such as default) to that account's settings");
            }
            Map<String, CarrierSettings> accounts = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> account : carrierEntry.getValue().properties()) {
                String accountPath = carrierPath + "." + account.getKey();
                if (!ACCOUNT_NAME.matcher(account.getKey()).matches()) {
                    throw new ConfigException(
                            accountPath, "account names are used in URLs: letters, digits, '-' and '_' only");
                }
                JsonNode settings = account.getValue();
                if (settings != null && !settings.isNull() && !settings.isObject()) {
                    throw new ConfigException(accountPath, "must be a mapping of this account's settings");
                }
                Map<String, Object> values = new LinkedHashMap<>();
                if (settings != null) {
                    for (Map.Entry<String, JsonNode> value : settings.properties()) {
                        if (!value.getValue().isNull()) {
                            values.put(value.getKey(), YAML.convertValue(value.getValue(), Object.class));
                        }
                    }
                }
                accounts.put(account.getKey(), new CarrierSettings(accountPath, account.getKey(), values));
            }
            carriers.put(type, Map.copyOf(accounts));
        }
        return carriers;
    }
}
