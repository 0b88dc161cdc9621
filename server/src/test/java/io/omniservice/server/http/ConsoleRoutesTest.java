package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.json.Json;
import io.omniservice.server.support.RunningGateway;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator console as the jar serves it: the page built from {@code console/} with a strict
 * Content-Security-Policy, the same page for every client route, hashed assets with their types and a year's
 * cache, and nothing else under {@code /console/assets/}. (What the page does is the acceptance module's
 * {@code ConsoleBrowserTest}.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleRoutesTest {
    @TempDir
    static Path data;

    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = new RunningGateway(data, 64 * 1024, "", List.of());
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    /** The script and stylesheet the page names, as absolute paths. */
    private static List<String> assets(String page) {
        Matcher linked =
                Pattern.compile("(?:src|href)=\"(/console/assets/[^\"]+)\"").matcher(page);
        List<String> assets = new ArrayList<>();
        while (linked.find()) {
            assets.add(linked.group(1));
        }
        return assets;
    }

    @Test
    void pageIsTheBuiltConsoleUnderAStrictPolicy() {
        HttpResponse<String> page = gateway.get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").map(type -> type.replace(" ", "")))
                .hasValue("text/html;charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(policy)
                .startsWith("default-src 'self';")
                .contains("script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        // no inline script: every script element names a file of the bundle
        assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>");
        assertThat(page.body()).doesNotContain("/src/main.jsx");
        assertThat(assets(page.body())).hasSize(2);
    }

    @Test
    void hashedAssetsAreServedWithTheirTypeAndCachedForAYear() {
        for (String asset : assets(gateway.get("/console/").body())) {
            HttpResponse<String> file = gateway.get(asset);
            assertThat(file.statusCode()).as(asset).isEqualTo(200);
            assertThat(asset).matches("/console/assets/[A-Za-z0-9_-]+-[A-Za-z0-9_-]{8}\\.(js|css)");
            assertThat(file.headers().firstValue("Content-Type").map(type -> type.replace(" ", "")))
                    .as(asset)
                    .hasValue(asset.endsWith(".js") ? "text/javascript;charset=utf-8" : "text/css;charset=utf-8");
            assertThat(file.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(file.headers().firstValue("Content-Security-Policy")).isPresent();
            if (asset.endsWith(".js")) {
                // the bundle calls the public API with the key in a header, and keeps the key in the tab only
                assertThat(file.body()).contains("/v1/clients/me", "sessionStorage", "/v1/events");
                assertThat(file.body()).doesNotContain("localStorage");
            }
        }
    }

    @Test
    void everyClientRouteAnswersThePage() {
        String page = gateway.get("/console/").body();
        for (String route : List.of(
                "/console/conversations",
                "/console/conversations/conv_0123456789",
                "/console/carriers",
                "/console/dead-letters",
                "/console/subscriptions")) {
            HttpResponse<String> answer = gateway.get(route);
            assertThat(answer.statusCode()).as(route).isEqualTo(200);
            assertThat(answer.body()).as(route).isEqualTo(page);
            assertThat(answer.headers().firstValue("Content-Security-Policy"))
                    .as(route)
                    .isPresent();
        }
    }

    @Test
    void consoleWithoutItsSlashIsSentToIt() {
        HttpResponse<String> bare = gateway.send(HttpRequest.newBuilder(gateway.uri("/console")));
        assertThat(bare.statusCode()).isEqualTo(308);
        assertThat(bare.headers().firstValue("Location")).hasValue("console/");
    }

    @Test
    void onlyTheBundlesFilesAreAssets() throws IOException {
        for (String path : List.of(
                "/console/assets/index-00000000.js",
                "/console/assets/..%2Findex.html",
                "/console/assets/index.html",
                "/console/assets/index-00000000.exe")) {
            HttpResponse<String> other = gateway.get(path);
            assertThat(other.statusCode()).as(path).isIn(400, 404);
            assertThat(Json.MAPPER.readTree(other.body()).at("/error/code").asText())
                    .as(path)
                    .isNotEmpty();
        }
    }
}
