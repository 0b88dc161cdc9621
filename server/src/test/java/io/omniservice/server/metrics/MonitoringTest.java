package io.omniservice.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.omniservice.core.json.Json;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.RunningGateway;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the Prometheus alert rules under {@code deploy/} read only metrics a running
 * gateway exposes, and the rules pass {@code promtool check rules} and their own unit tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringTest {
    private static final Path DEPLOY = Path.of("").toAbsolutePath().getParent().resolve("deploy");
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/omniservice.json");
    private static final Path RULES = DEPLOY.resolve("prometheus/alerts.yml");
    private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/alerts-test.yml");

    /** The metric names an expression reads: the gateway's own, its HTTP timer's and the JVM's. */
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:omniservice|http_server|jvm|process|system)_[a-z0-9_]+)");

    @TempDir
    static Path data;

    private RunningGateway gateway;
    private Set<String> exposed;

    @BeforeAll
    void scrape() {
        gateway = new RunningGateway(data, 1 << 20, """
                carriers:
                  twilio:
                    default:
                      accountSid: AC00000000000000000000000000000000
                      authToken: twilio-token-0123456789
                      from: "+14155550199"
                      apiBaseUrl: http://127.0.0.1:9
                """, ConfiguredCarriers.installedProviders());
        // a refused webhook and an API call, so the counters with tags have series
        gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/twilio"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("MessageSid=SM1&From=%2B14155550100&Body=hi")));
        gateway.api("/v1/carriers");
        exposed = new TreeSet<>(names(gateway.api("/metrics").body()));
        // counters whose series appear with their first event, which this gateway has not had (an attachment)
        try (GatewayMetrics metrics = new GatewayMetrics()) {
            metrics.media("inbound", "stored");
            exposed.addAll(names(metrics.scrape()));
        }
    }

    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void theGatewayExposesWhatTheAlertsNeed() {
        assertThat(exposed)
                .contains(
                        "omniservice_carrier_up",
                        "omniservice_carrier_circuit_breaker_state",
                        "omniservice_carrier_failure_ratio",
                        "omniservice_dead_letters",
                        "omniservice_events_lag_seconds_bucket",
                        "omniservice_events_held",
                        "omniservice_webhooks_total",
                        "http_server_requests_seconds_count");
        String text = gateway.api("/metrics").body();
        assertThat(text)
                .contains("omniservice_carrier_up{account=\"default\",carrier=\"twilio\"} 1.0")
                .contains(
                        "omniservice_carrier_circuit_breaker_state{account=\"default\",carrier=\"twilio\",state=\"closed\"} 1.0")
                .contains(
                        "omniservice_carrier_circuit_breaker_state{account=\"default\",carrier=\"twilio\",state=\"open\"} 0.0")
                .contains("omniservice_dead_letters 0.0")
                .contains("omniservice_webhooks_total{carrier=\"twilio\",outcome=\"refused\"} 1.0");
    }

    @Test
    void everyDashboardQueryReadsExposedMetrics() throws IOException {
        JsonNode dashboard = Json.MAPPER.readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("omniservice");
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets")
                .forEach(target -> expressions.add(target.path("expr").asText())));
        dashboard.at("/templating/list").forEach(variable -> {
            if ("query".equals(variable.path("type").asText())) {
                expressions.add(variable.path("query").asText());
            }
        });
        assertThat(expressions).hasSizeGreaterThan(15);
        assertReadExposedMetrics(expressions);
    }

    @Test
    void everyAlertReadsExposedMetrics() throws IOException {
        JsonNode rules = new YAMLMapper().readTree(RULES.toFile());
        List<String> expressions = new ArrayList<>();
        List<String> alerts = new ArrayList<>();
        rules.path("groups").forEach(group -> group.path("rules").forEach(rule -> {
            expressions.add(rule.path("expr").asText());
            alerts.add(rule.path("alert").asText());
        }));
        assertThat(alerts)
                .contains(
                        "OmniserviceCarrierDown",
                        "OmniserviceCircuitBreakerOpen",
                        "OmniserviceDeadLettersGrowing",
                        "OmniserviceWebhookRefusalsSpiking",
                        "OmniserviceEventLag");
        assertReadExposedMetrics(expressions);
    }

    @Test
    void aMetricTheGatewayDoesNotExposeIsCaught() {
        // the check is not vacuous: a misspelt name is refused
        List<String> unknown = unknownMetrics(List.of("rate(omniservice_webhook_total[5m])"));
        assertThat(unknown).containsExactly("omniservice_webhook_total");
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTests() throws Exception {
        String promtool = promtool();
        assertThat(run(promtool, "check", "rules", RULES.toString())).contains("SUCCESS");
        assertThat(run(promtool, "test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
    }

    private void assertReadExposedMetrics(List<String> expressions) {
        for (String expression : expressions) {
            assertThat(METRIC.matcher(expression).find())
                    .as("%s reads a gateway metric", expression)
                    .isTrue();
        }
        assertThat(unknownMetrics(expressions))
                .as("metrics read but not exposed at /metrics")
                .isEmpty();
    }

    private List<String> unknownMetrics(List<String> expressions) {
        List<String> unknown = new ArrayList<>();
        for (String expression : expressions) {
            Matcher names = METRIC.matcher(expression);
            while (names.find()) {
                if (!exposed.contains(names.group(1))) {
                    unknown.add(names.group(1));
                }
            }
        }
        return unknown;
    }

    /** Debian's prometheus package has it; CI installs it, elsewhere the test says how and skips. */
    private static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String missing = "promtool is not installed: apt-get install prometheus (Debian) or put promtool on PATH";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + "; .ci/run installs it");
        }
        Assumptions.abort(missing);
        return null;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
