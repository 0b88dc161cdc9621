package io.omniservice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.SenderPacing;
import io.omniservice.server.config.GatewayConfig.Storage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
    private static final String SERVER = "server:\n  publicBaseUrl: https://gw.example.com\n";
    private static final String STORAGE = "storage:\n  mode: embedded\n";
    private static final String API = "api:\n  keys:\n    - name: ops\n      key: k-0123456789abcdef\n";
    private static final String MINIMAL = SERVER + STORAGE + API;

    private static GatewayConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    private static GatewayConfig parse(String yaml, Map<String, String> environment) {
        return new ConfigLoader(environment).parse(yaml);
    }

    @Test
    void aNewDataDirectoryIsSqliteUnlessH2IsChosen(@TempDir Path fresh) {
        assertThat(parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + fresh + "'}\n" + API)
                        .storage())
                .isEqualTo(new Storage.Embedded(fresh, Storage.Embedded.Engine.SQLITE));
        assertThat(parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + fresh + "', engine: h2}\n" + API)
                        .storage())
                .isEqualTo(new Storage.Embedded(fresh, Storage.Embedded.Engine.H2));
        assertThat(parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: /srv/omni, engine: sqlite}\n" + API)
                        .storage())
                .isEqualTo(new Storage.Embedded(Path.of("/srv/omni"), Storage.Embedded.Engine.SQLITE));
        assertThat(parse(MINIMAL, Map.of("OMNISERVICE_STORAGE_EMBEDDED_ENGINE", "sqlite"))
                        .storage())
                .isEqualTo(new Storage.Embedded(Path.of("./data"), Storage.Embedded.Engine.SQLITE));
    }

    @Test
    void anUnknownEmbeddedEngineIsRefusedByItsKey() {
        assertThatThrownBy(() -> parse(SERVER + "storage:\n  mode: embedded\n  embedded: {engine: sqlite3}\n" + API))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("storage.embedded.engine");
                    assertThat(e.getMessage()).contains("must be sqlite or h2, got 'sqlite3'");
                });
    }

    @Test
    void aDataDirectoryHoldingTheOtherEnginesDatabaseIsRefused(@TempDir Path data) throws Exception {
        Files.writeString(data.resolve("omniservice.mv.db"), "an H2 database");
        String sqlite =
                SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + data + "', engine: sqlite}\n" + API;
        assertThatThrownBy(() -> parse(sqlite)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo("storage.embedded.engine");
            assertThat(e.getMessage())
                    .contains(
                            "is sqlite, but the data directory holds a h2 database",
                            data.resolve("omniservice.mv.db").toString(),
                            "set storage.embedded.engine: h2 to keep using it");
        });
        // with no engine named, a directory holding an H2 database stays on H2 (a gateway upgraded in place)
        assertThat(parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + data + "'}\n" + API)
                        .storage())
                .isEqualTo(new Storage.Embedded(data, Storage.Embedded.Engine.H2));

        Path other = Files.createDirectory(data.resolve("other"));
        Files.writeString(other.resolve("omniservice.sqlite"), "a SQLite database");
        assertThatThrownBy(() -> parse(
                        SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + other + "', engine: h2}\n" + API))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("storage.embedded.engine");
                    assertThat(e.getMessage())
                            .contains(
                                    "is h2, but the data directory holds a sqlite database",
                                    "set storage.embedded.engine: sqlite to keep using it");
                });
        assertThat(parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: '" + other + "', engine: sqlite}\n"
                                + API)
                        .storage())
                .isEqualTo(new Storage.Embedded(other, Storage.Embedded.Engine.SQLITE));
    }

    @Test
    void trustedProxiesAndAKeysOwnRateLimitAreRead() {
        GatewayConfig config = parse(SERVER + "  trustedProxies: [10.0.0.0/8, 'fd00::/8']\n" + STORAGE + API
                + "      rateLimit: {requestsPerSecond: 5}\n");
        assertThat(config.server().trustedProxies()).containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(config.api().keys().get(0).rateLimit()).isEqualTo(new GatewayConfig.RateLimit(5, 10));
        assertThat(parse(MINIMAL).server().trustedProxies()).isEmpty();
        assertThat(parse(MINIMAL).api().keys().get(0).rateLimit()).isNull();
    }

    @Test
    void pacingIsOffByDefaultAndReadsRatesByNumberTypeAndSender() {
        assertThat(parse(MINIMAL).outbound().pacing().enabled()).isFalse();

        SenderPacing.Settings pacing = parse(MINIMAL + """
                outbound:
                  pacing:
                    enabled: true
                    tollFree: 2.5
                    recoverSeconds: 30
                    senders:
                      - {carrier: twilio, account: default, from: "+14155550199", mps: 5}
                      - {carrier: bandwidth, mps: 20}
                """).outbound().pacing();

        assertThat(pacing.enabled()).isTrue();
        assertThat(pacing.defaults())
                .containsEntry(SenderPacing.NumberType.TOLL_FREE, 2.5)
                .containsEntry(SenderPacing.NumberType.LONG_CODE, 1.0)
                .containsEntry(SenderPacing.NumberType.WHATSAPP, 80.0);
        assertThat(pacing.recoverAfter()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(pacing.senders())
                .containsExactly(
                        new SenderPacing.SenderRate(CarrierType.TWILIO, "default", "+14155550199", 5),
                        new SenderPacing.SenderRate(CarrierType.BANDWIDTH, "default", null, 20));
    }

    @Test
    void badPacingIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> parse(MINIMAL + "outbound:\n  pacing: {longCode: 0}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("outbound.pacing.longCode");
        assertThatThrownBy(() -> parse(MINIMAL + "outbound:\n  pacing: {senders: [{carrier: nosuch, mps: 1}]}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("outbound.pacing.senders[0].carrier");
        assertThatThrownBy(() -> parse(MINIMAL + "outbound:\n  pacing: {senders: [{carrier: twilio}]}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("outbound.pacing.senders[0].mps");
        assertThatThrownBy(() -> parse(MINIMAL + "outbound:\n  pacing: {mps: 3}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mps");
    }

    @Test
    void minimalFileGetsTheDocumentedDefaults() {
        GatewayConfig config = parse(MINIMAL);

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(config.server().publicBaseUrl()).isEqualTo("https://gw.example.com");
        assertThat(config.storage()).isEqualTo(new Storage.Embedded(Path.of("./data")));
        assertThat(config.api().keys()).containsExactly(new GatewayConfig.ApiKey("ops", "k-0123456789abcdef"));
        assertThat(config.carriers()).isEmpty();
    }

    @Test
    void readsEverySection() {
        GatewayConfig config = parse("""
                server:
                  port: 9090
                  publicBaseUrl: https://gw.example.com/omni/
                  maxBodyBytes: 2048
                storage:
                  mode: postgres
                  postgres:
                    jdbcUrl: jdbc:postgresql://db:5432/omni
                    username: omni
                    password: s3cret
                    poolSize: 4
                api:
                  keys:
                    - {name: a, key: key-a}
                    - {name: b, key: key-b}
                carriers:
                  twilio:
                    default: {accountSid: AC1, authToken: t1}
                    eu: {accountSid: AC2, authToken: t2, retries: 3}
                """);

        assertThat(config.server()).isEqualTo(new GatewayConfig.Server(9090, "https://gw.example.com/omni", 2048));
        assertThat(config.storage())
                .isEqualTo(new Storage.Postgres("jdbc:postgresql://db:5432/omni", "omni", "s3cret", 4));
        assertThat(config.api().keys()).extracting(GatewayConfig.ApiKey::name).containsExactly("a", "b");
        var twilio = config.carriers().get(CarrierType.TWILIO);
        assertThat(twilio).containsOnlyKeys("default", "eu");
        assertThat(twilio.get("eu").path()).isEqualTo("carriers.twilio.eu");
        assertThat(twilio.get("eu").account()).isEqualTo("eu");
        assertThat(twilio.get("eu").values()).containsEntry("authToken", "t2").containsEntry("retries", 3);
    }

    @Test
    void postgresPasswordMayBeEmptyForTrustAuthentication() {
        GatewayConfig config = parse(SERVER
                + "storage:\n  mode: postgres\n  postgres: {jdbcUrl: 'jdbc:postgresql://db/o', username: u, password: ''}\n"
                + API);

        assertThat(config.storage()).isEqualTo(new Storage.Postgres("jdbc:postgresql://db/o", "u", "", 10));
    }

    @Test
    void awsModeNamesItsTablesQueueTopicAndEndpoints() {
        GatewayConfig config = parse(SERVER + """
                storage:
                  mode: aws
                  aws:
                    region: eu-west-1
                    tablePrefix: prod-
                    createTables: true
                    sendQueue: prod-sends
                    eventTopicArn: arn:aws:sns:eu-west-1:123456789012:prod-events.fifo
                    endpoints: {dynamodb: 'http://127.0.0.1:8000', sqs: 'http://127.0.0.1:9324'}
                    accessKeyId: test
                    secretAccessKey: SECRET-key
                media:
                  s3: {bucket: media, region: eu-west-1}
                """ + API);

        var aws = ((Storage.Aws) config.storage()).settings();
        assertThat(aws.region()).isEqualTo("eu-west-1");
        assertThat(aws.tablePrefix()).isEqualTo("prod-");
        assertThat(aws.createTables()).isTrue();
        assertThat(aws.sendQueue()).isEqualTo("prod-sends");
        assertThat(aws.eventTopicArn()).isEqualTo("arn:aws:sns:eu-west-1:123456789012:prod-events.fifo");
        assertThat(aws.endpoints())
                .containsOnlyKeys("dynamodb", "sqs")
                .containsEntry("sqs", java.net.URI.create("http://127.0.0.1:9324"));
        assertThat(config.toString()).doesNotContain("SECRET");
    }

    @Test
    void awsModeDefaultsToTheDefaultCredentialChainAndNamedResources() {
        GatewayConfig config =
                parse(SERVER + "storage:\n  mode: aws\n  aws: {region: us-east-1}\nmedia:\n  s3: {bucket: m}\n" + API);

        var aws = ((Storage.Aws) config.storage()).settings();
        assertThat(aws.tablePrefix()).isEqualTo("omniservice-");
        assertThat(aws.sendQueue()).isEqualTo("omniservice-sends");
        assertThat(aws.createTables()).isFalse();
        assertThat(aws.eventTopicArn()).isNull();
        assertThat(aws.endpoints()).isEmpty();
        assertThat(aws.accessKeyId()).isNull();
    }

    @Test
    void secretsDoNotAppearWhenConfigIsPrinted() {
        GatewayConfig config = parse(SERVER
                + "storage:\n  mode: postgres\n  postgres: {jdbcUrl: 'jdbc:postgresql://db/o', username: u, password: pw-SECRET}\n"
                + "api:\n  keys:\n    - {name: ops, key: key-SECRET}\n");

        assertThat(config.toString()).doesNotContain("SECRET").contains("ops");
    }

    @Test
    void mediaSectionLeftOutGetsTheDocumentedDefaults() {
        GatewayConfig config = parse(SERVER + "storage:\n  mode: embedded\n  embedded: {path: /srv/omni}\n" + API);

        GatewayConfig.Media media = config.media();
        assertThat(media.directory()).isEqualTo(Path.of("/srv/omni/media"));
        assertThat(media.s3()).isNull();
        assertThat(media.signingSecret()).isNull();
        assertThat(media.viewUrlTtl()).isEqualTo(Duration.ofMinutes(1440));
        assertThat(media.sendUrlTtl()).isEqualTo(Duration.ofMinutes(1440));
        assertThat(media.thumbnailWidth()).isEqualTo(320);
        assertThat(media.maxPixels()).isEqualTo(50_000_000);
        assertThat(media.maxBytes()).isEmpty();
        assertThat(media.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(media.fetchTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(media.fetchAttempts()).isEqualTo(2);
        assertThat(media.allowedNetworks()).isEmpty();
        assertThat(media.clamd()).isNull();
        assertThat(media.ffmpeg()).isNull();
    }

    @Test
    void mediaDirectoryFollowsTheDefaultEmbeddedPath() {
        assertThat(parse(MINIMAL).media().directory()).isEqualTo(Path.of("./data/media"));
    }

    @Test
    void readsAFullMediaSection() {
        GatewayConfig config = parse(MINIMAL + """
                media:
                  directory: /var/lib/omni-media
                  signingSecret: '0123456789abcdef0123456789abcdef'
                  urlTtlMinutes: 60
                  sendUrlTtlMinutes: 15
                  thumbnailWidth: 480
                  maxPixels: 20000000
                  maxBytes: {image: 5242880, video: 104857600, audio: 20971520, document: 10485760}
                  s3:
                    bucket: omni-media
                    region: eu-west-1
                    endpoint: http://minio:9000
                    pathStyle: false
                    accessKeyId: AKIAEXAMPLE
                    secretAccessKey: media-SECRET
                    prefix: gw/
                  fetch:
                    connectTimeoutMillis: 1500
                    timeoutSeconds: 90
                    attempts: 4
                    allowedNetworks: [10.20.0.0/16, 'fd00::/8']
                  clamd: tcp://clamav:3310
                  ffmpeg: /usr/local/bin/ffmpeg
                """);

        GatewayConfig.Media media = config.media();
        assertThat(media.directory()).isEqualTo(Path.of("/var/lib/omni-media"));
        // 32 ASCII characters: the shortest secret accepted
        assertThat(media.signingSecret()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(media.viewUrlTtl()).isEqualTo(Duration.ofMinutes(60));
        assertThat(media.sendUrlTtl()).isEqualTo(Duration.ofMinutes(15));
        assertThat(media.thumbnailWidth()).isEqualTo(480);
        assertThat(media.maxPixels()).isEqualTo(20_000_000);
        assertThat(media.maxBytes())
                .isEqualTo(Map.of(
                        "image", 5_242_880L, "video", 104_857_600L, "audio", 20_971_520L, "document", 10_485_760L));
        assertThat(media.s3())
                .isEqualTo(new io.omniservice.media.store.S3Settings(
                        "omni-media",
                        "eu-west-1",
                        URI.create("http://minio:9000"),
                        false,
                        "AKIAEXAMPLE",
                        "media-SECRET",
                        "gw/"));
        assertThat(media.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(media.fetchTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(media.fetchAttempts()).isEqualTo(4);
        assertThat(media.allowedNetworks()).containsExactly("10.20.0.0/16", "fd00::/8");
        assertThat(media.clamd()).isEqualTo("tcp://clamav:3310");
        assertThat(media.ffmpeg()).isEqualTo("/usr/local/bin/ffmpeg");
        assertThat(config.toString()).doesNotContain("SECRET").doesNotContain("0123456789abcdef0123456789abcdef");
    }

    @Test
    void s3WithAnEndpointDefaultsToPathStyleAndWithoutOneToAwsVirtualHosts() {
        io.omniservice.media.store.S3Settings compatible = parse(
                        MINIMAL
                                + "media:\n  s3: {bucket: b, endpoint: 'http://127.0.0.1:9000', accessKeyId: k, secretAccessKey: s}\n")
                .media()
                .s3();
        io.omniservice.media.store.S3Settings aws =
                parse(MINIMAL + "media:\n  s3: {bucket: b}\n").media().s3();

        assertThat(compatible.pathStyle()).isTrue();
        assertThat(compatible.region()).isEqualTo("us-east-1");
        assertThat(compatible.prefix()).isEmpty();
        assertThat(aws.pathStyle()).isFalse();
        assertThat(aws.endpoint()).isNull();
        // keys left out: the default credentials chain
        assertThat(aws.accessKeyId()).isNull();
        assertThat(aws.secretAccessKey()).isNull();
    }

    static List<Object[]> badConfigurations() {
        return List.of(
                new Object[] {"empty file", "", "server"},
                new Object[] {"unknown top-level key", MINIMAL + "extra: 1\n", "extra"},
                new Object[] {"unknown server key", SERVER + "  prot: 80\n" + STORAGE + API, "server.prot"},
                new Object[] {"missing publicBaseUrl", "server:\n  port: 80\n" + STORAGE + API, "server.publicBaseUrl"},
                new Object[] {
                    "relative publicBaseUrl",
                    "server:\n  publicBaseUrl: gw.example.com\n" + STORAGE + API,
                    "server.publicBaseUrl"
                },
                new Object[] {
                    "publicBaseUrl with a query",
                    "server:\n  publicBaseUrl: https://gw/?a=1\n" + STORAGE + API,
                    "server.publicBaseUrl"
                },
                new Object[] {"port not a number", SERVER + "  port: eighty\n" + STORAGE + API, "server.port"},
                new Object[] {"port out of range", SERVER + "  port: 70000\n" + STORAGE + API, "server.port"},
                new Object[] {"zero body limit", SERVER + "  maxBodyBytes: 0\n" + STORAGE + API, "server.maxBodyBytes"},
                new Object[] {"server is a scalar", "server: 8080\n" + STORAGE + API, "server"},
                new Object[] {"missing storage", SERVER + API, "storage"},
                new Object[] {"missing storage mode", SERVER + "storage:\n  embedded: {path: x}\n" + API, "storage.mode"
                },
                new Object[] {"unknown storage mode", SERVER + "storage:\n  mode: dynamo\n" + API, "storage.mode"},
                new Object[] {
                    "postgres without its settings", SERVER + "storage:\n  mode: postgres\n" + API, "storage.postgres"
                },
                new Object[] {
                    "postgres without jdbcUrl",
                    SERVER + "storage:\n  mode: postgres\n  postgres: {username: u, password: p}\n" + API,
                    "storage.postgres.jdbcUrl"
                },
                new Object[] {
                    "postgres with a non-postgres URL",
                    SERVER
                            + "storage:\n  mode: postgres\n  postgres: {jdbcUrl: 'jdbc:h2:mem:x', username: u, password: p}\n"
                            + API,
                    "storage.postgres.jdbcUrl"
                },
                new Object[] {
                    "postgres without password",
                    SERVER
                            + "storage:\n  mode: postgres\n  postgres: {jdbcUrl: 'jdbc:postgresql://db/o', username: u}\n"
                            + API,
                    "storage.postgres.password"
                },
                new Object[] {
                    "unknown embedded key",
                    SERVER + "storage:\n  mode: embedded\n  embedded: {dir: x}\n" + API,
                    "storage.embedded.dir"
                },
                new Object[] {"missing api", SERVER + STORAGE, "api"},
                new Object[] {"no api keys", SERVER + STORAGE + "api:\n  keys: []\n", "api.keys"},
                new Object[] {
                    "empty api key", SERVER + STORAGE + "api:\n  keys:\n    - {name: ops, key: ''}\n", "api.keys[0].key"
                },
                new Object[] {
                    "api key without name", SERVER + STORAGE + "api:\n  keys:\n    - {key: abc}\n", "api.keys[0].name"
                },
                new Object[] {
                    "two api keys with one name",
                    SERVER + STORAGE + "api:\n  keys:\n    - {name: a, key: k1}\n    - {name: a, key: k2}\n",
                    "api.keys[1].name"
                },
                new Object[] {
                    "unknown carrier",
                    MINIMAL + "carriers:\n  telegram:\n    default: {token: x}\n",
                    "carriers.telegram"
                },
                new Object[] {"carrier without accounts", MINIMAL + "carriers:\n  twilio: {}\n", "carriers.twilio"},
                new Object[] {
                    "account name unusable in a URL",
                    MINIMAL + "carriers:\n  twilio:\n    'a/b': {authToken: x}\n",
                    "carriers.twilio.a/b"
                },
                new Object[] {
                    "undefined variable",
                    SERVER + STORAGE + "api:\n  keys:\n    - {name: a, key: '${NOPE}'}\n",
                    "api.keys[0].key"
                },
                new Object[] {"malformed placeholder", SERVER + "  port: '${PORT'\n" + STORAGE + API, "server.port"},
                new Object[] {"duplicate key", MINIMAL + "api: {}\n", "(file)"},
                new Object[] {"not YAML", "server: [unclosed\n", "(file)"},
                new Object[] {"a second document, which would be ignored", MINIMAL + "---\nprocessing: {}\n", "(file)"},
                new Object[] {
                    "rule the parser refuses",
                    MINIMAL + "processing:\n  rules:\n    - {name: x, actions: [{type: shout}]}\n",
                    "processing.rules[0].actions[0].type"
                },
                new Object[] {"unknown media key", MINIMAL + "media:\n  thumbnailWidht: 200\n", "media.thumbnailWidht"},
                new Object[] {"media is a scalar", MINIMAL + "media: s3\n", "media"},
                new Object[] {
                    "signing secret of 31 bytes",
                    MINIMAL + "media:\n  signingSecret: '0123456789abcdef0123456789abcde'\n",
                    "media.signingSecret"
                },
                new Object[] {"clamd as host:port", MINIMAL + "media:\n  clamd: 'clamav:3310'\n", "media.clamd"},
                new Object[] {"clamd over http", MINIMAL + "media:\n  clamd: 'http://clamav:3310'\n", "media.clamd"},
                new Object[] {
                    "s3 access key without its secret",
                    MINIMAL + "media:\n  s3: {bucket: b, accessKeyId: AKIAEXAMPLE}\n",
                    "media.s3.accessKeyId"
                },
                new Object[] {
                    "s3 secret without its access key",
                    MINIMAL + "media:\n  s3: {bucket: b, secretAccessKey: s}\n",
                    "media.s3.accessKeyId"
                },
                new Object[] {"s3 without bucket", MINIMAL + "media:\n  s3: {region: eu-west-1}\n", "media.s3.bucket"},
                new Object[] {"unknown s3 key", MINIMAL + "media:\n  s3: {bucket: b, acl: public}\n", "media.s3.acl"},
                new Object[] {
                    "maxBytes for an unknown kind",
                    MINIMAL + "media:\n  maxBytes: {pictures: 1000}\n",
                    "media.maxBytes.pictures"
                },
                new Object[] {
                    "maxBytes not a number", MINIMAL + "media:\n  maxBytes: {image: lots}\n", "media.maxBytes.image"
                },
                new Object[] {
                    "allowedNetworks as one string",
                    MINIMAL + "media:\n  fetch: {allowedNetworks: 10.0.0.0/8}\n",
                    "media.fetch.allowedNetworks"
                },
                new Object[] {
                    "allowedNetworks as a mapping",
                    MINIMAL + "media:\n  fetch:\n    allowedNetworks: {office: 10.0.0.0/8}\n",
                    "media.fetch.allowedNetworks"
                },
                new Object[] {"unknown fetch key", MINIMAL + "media:\n  fetch: {retries: 3}\n", "media.fetch.retries"},
                new Object[] {
                    "a network with host bits set",
                    MINIMAL + "media:\n  fetch: {allowedNetworks: [127.0.0.1/32, 10.0.0.1/8]}\n",
                    "media.fetch.allowedNetworks[1]"
                },
                new Object[] {
                    "a network that is not one",
                    MINIMAL + "media:\n  fetch: {allowedNetworks: [banana]}\n",
                    "media.fetch.allowedNetworks[0]"
                },
                new Object[] {
                    "a trusted proxy that is a host name",
                    SERVER + "  trustedProxies: [lb.internal]\n" + STORAGE + API,
                    "server.trustedProxies[0]"
                },
                new Object[] {
                    "trusted proxies as one string",
                    SERVER + "  trustedProxies: 10.0.0.0/8\n" + STORAGE + API,
                    "server.trustedProxies"
                },
                new Object[] {
                    "a key's own rate limit of zero",
                    SERVER + STORAGE + API + "      rateLimit: {requestsPerSecond: 0}\n",
                    "api.keys[0].rateLimit.requestsPerSecond"
                },
                new Object[] {
                    "a network given as a mapping",
                    MINIMAL + "media:\n  fetch: {allowedNetworks: [{office: 10.0.0.0/8}]}\n",
                    "media.fetch.allowedNetworks[0]"
                },
                new Object[] {
                    "an s3 endpoint that is no URL",
                    MINIMAL + "media:\n  s3: {bucket: b, endpoint: 'minio:9000'}\n",
                    "media.s3.endpoint"
                },
                new Object[] {
                    "aws mode without its section",
                    SERVER + "storage: {mode: aws}\nmedia:\n  s3: {bucket: m}\n" + API,
                    "storage.aws"
                },
                new Object[] {
                    "aws mode without a region",
                    SERVER + "storage:\n  mode: aws\n  aws: {tablePrefix: p-}\nmedia:\n  s3: {bucket: m}\n" + API,
                    "storage.aws.region"
                },
                new Object[] {
                    "aws mode with a send queue name SQS refuses",
                    SERVER
                            + "storage:\n  mode: aws\n  aws: {region: r, sendQueue: 'sends queue'}\nmedia:\n  s3: {bucket: m}\n"
                            + API,
                    "storage.aws"
                },
                new Object[] {
                    "aws mode with an endpoint that is no URL",
                    SERVER + "storage:\n  mode: aws\n  aws: {region: r, endpoints: {sqs: 'elasticmq:9324'}}\n"
                            + "media:\n  s3: {bucket: m}\n" + API,
                    "storage.aws.endpoints.sqs"
                },
                new Object[] {
                    "aws mode with an endpoint for a service it does not use",
                    SERVER + "storage:\n  mode: aws\n  aws: {region: r, endpoints: {kinesis: 'http://k:1'}}\n"
                            + "media:\n  s3: {bucket: m}\n" + API,
                    "storage.aws.endpoints.kinesis"
                },
                new Object[] {
                    "aws mode with media on a node's disk",
                    SERVER + "storage:\n  mode: aws\n  aws: {region: r}\n" + API,
                    "media.s3"
                },
                new Object[] {"clamd without a port", MINIMAL + "media:\n  clamd: 'tcp://clamav'\n", "media.clamd"},
                new Object[] {
                    "zero fetch attempts", MINIMAL + "media:\n  fetch: {attempts: 0}\n", "media.fetch.attempts"
                },
                new Object[] {"thumbnail too narrow", MINIMAL + "media:\n  thumbnailWidth: 8\n", "media.thumbnailWidth"
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurations")
    void badConfigurationStopsStartUpNamingTheKey(String label, String yaml, String key) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageStartingWith(key + ": ");
    }

    @Test
    void interpolatesVariablesWithAndWithoutDefaults() {
        GatewayConfig config = parse("""
                server:
                  publicBaseUrl: https://${HOST}/${PREFIX:-gw}
                  port: ${PORT:-8181}
                storage: {mode: embedded}
                api:
                  keys:
                    - {name: ops, key: '${API_KEY:-fallback-key}'}
                """, Map.of("HOST", "hooks.example.com", "API_KEY", ""));

        assertThat(config.server().publicBaseUrl()).isEqualTo("https://hooks.example.com/gw");
        assertThat(config.server().port()).isEqualTo(8181);
        // ":-" takes the default when the variable is set but empty, as in the shell.
        assertThat(config.api().keys().getFirst().key()).isEqualTo("fallback-key");
    }

    @Test
    void environmentOverridesKeysInTheFileAndKeysTheSchemaKnows() {
        GatewayConfig config = parse(
                MINIMAL + "carriers:\n  twilio:\n    default: {accountSid: AC1, authToken: from-file}\n",
                Map.of(
                        "OMNISERVICE_SERVER_PUBLIC_BASE_URL", "https://proxy.example.com",
                        "OMNISERVICE_SERVER_PORT", "9999",
                        "OMNISERVICE_STORAGE_EMBEDDED_PATH", "/var/lib/omni",
                        "OMNISERVICE_API_KEYS_0_KEY", "key-from-env",
                        "OMNISERVICE_CARRIERS_TWILIO_DEFAULT_AUTH_TOKEN", "token-from-env"));

        assertThat(config.server().publicBaseUrl()).isEqualTo("https://proxy.example.com");
        assertThat(config.server().port()).isEqualTo(9999);
        assertThat(config.storage()).isEqualTo(new Storage.Embedded(Path.of("/var/lib/omni")));
        assertThat(config.api().keys().getFirst().key()).isEqualTo("key-from-env");
        assertThat(config.carriers().get(CarrierType.TWILIO).get("default").values())
                .containsEntry("authToken", "token-from-env")
                .containsEntry("accountSid", "AC1");
    }

    @Test
    void environmentCanSupplyAWholeStorageSectionTheFileLeavesOut() {
        GatewayConfig config = parse(
                SERVER + API,
                Map.of(
                        "OMNISERVICE_STORAGE_MODE", "postgres",
                        "OMNISERVICE_STORAGE_POSTGRES_JDBC_URL", "jdbc:postgresql://db/omni",
                        "OMNISERVICE_STORAGE_POSTGRES_USERNAME", "omni",
                        "OMNISERVICE_STORAGE_POSTGRES_PASSWORD", "pw",
                        "OMNISERVICE_STORAGE_POSTGRES_POOL_SIZE", "3"));

        assertThat(config.storage()).isEqualTo(new Storage.Postgres("jdbc:postgresql://db/omni", "omni", "pw", 3));
    }

    @Test
    void environmentOverrideIsValidatedLikeTheFile() {
        assertThatThrownBy(() -> parse(MINIMAL, Map.of("OMNISERVICE_SERVER_PORT", "http")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.port"));
    }

    @ParameterizedTest
    @CsvSource({
        "server.publicBaseUrl, OMNISERVICE_SERVER_PUBLIC_BASE_URL",
        "carriers.twilio.default.authToken, OMNISERVICE_CARRIERS_TWILIO_DEFAULT_AUTH_TOKEN",
        "storage.postgres.jdbcUrl, OMNISERVICE_STORAGE_POSTGRES_JDBC_URL",
        "carriers.bandwidth.eu-west.callbackPassword, OMNISERVICE_CARRIERS_BANDWIDTH_EU_WEST_CALLBACK_PASSWORD",
        "api.keys.0.key, OMNISERVICE_API_KEYS_0_KEY",
    })
    void environmentNameSplitsCamelCase(String path, String expected) {
        assertThat(ConfigLoader.environmentName(List.of(path.split("\\.")))).isEqualTo(expected);
    }

    @Test
    void shippedExampleLoadsWithAllSixCarriersAndFlagsItsPlaceholders() {
        GatewayConfig config = new ConfigLoader(Map.of()).load(Path.of("../config/omniservice.yaml"));

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().publicBaseUrl()).isEqualTo("http://localhost:8080");
        assertThat(config.storage()).isEqualTo(new Storage.Embedded(Path.of("./data")));
        assertThat(config.carriers()).containsOnlyKeys(CarrierType.values());
        assertThat(DevelopmentPlaceholders.in(config))
                .contains(
                        "api.keys[0].key",
                        "carriers.twilio.default.authToken",
                        "carriers.whatsapp.default.appSecret",
                        "carriers.bandwidth.default.callbackPassword",
                        "carriers.livechat.default.secretKey",
                        "carriers.messagebird.default.signingKey",
                        "carriers.inteliquent.default.inboundApiKey");
    }

    @Test
    void realSecretsFromTheEnvironmentSilenceThePlaceholderWarning() {
        GatewayConfig config = new ConfigLoader(
                        Map.of("OMNISERVICE_API_KEY", "a-real-key", "TWILIO_AUTH_TOKEN", "real"))
                .load(Path.of("../config/omniservice.yaml"));

        assertThat(DevelopmentPlaceholders.in(config))
                .doesNotContain("api.keys[0].key", "carriers.twilio.default.authToken");
    }

    @Test
    void missingFileIsAConfigError() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(Path.of("no/such/file.yaml")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("--config"));
    }
}
