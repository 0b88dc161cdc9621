package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.server.support.RunningGateway;
import io.omniservice.server.support.ScriptedCarrier;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document describes exactly the routes the server registers, is served at {@code /openapi.json}
 * without credentials, and its reference page loads only what the gateway itself serves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {
    private static final Set<String> OPERATIONS = Set.of("get", "put", "post", "delete", "options", "head", "patch");

    @TempDir
    static Path data;

    private RunningGateway gateway;
    private JsonNode document;

    @BeforeAll
    void start() throws IOException {
        gateway = new RunningGateway(
                data,
                64 * 1024,
                "carriers:\n  bandwidth:\n    default: {}\n",
                List.of(new ScriptedCarrier(CarrierType.BANDWIDTH)));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ApiDocsRoutes.DOCUMENT)) {
            document = new YAMLMapper().readTree(in);
        }
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    /** "GET /v1/messages" for each operation of the document. */
    private static Set<String> documented(JsonNode document) {
        Set<String> operations = new TreeSet<>();
        document.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(operation -> {
                    if (OPERATIONS.contains(operation.getKey())) {
                        operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                    }
                }));
        return operations;
    }

    @Test
    void documentDescribesExactlyTheRoutesTheServerAnswers() {
        assertThat(documented(document))
                .isEqualTo(new TreeSet<>(gateway.gateway().routes()));
    }

    @Test
    void aRouteTheDocumentLacksIsCaught() {
        // the comparison above is not vacuous: a document without one operation differs from the routes
        JsonNode trimmed = document.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) trimmed.path("paths").path("/v1/carriers")).remove("get");
        assertThat(documented(trimmed))
                .isNotEqualTo(new TreeSet<>(gateway.gateway().routes()))
                .doesNotContain("GET /v1/carriers");
        assertThat(gateway.gateway().routes()).contains("GET /v1/carriers", "HEAD /media/{key}");
    }

    @Test
    void documentIsOpenApi31WithAnErrorSchemaAndBearerAuthentication() {
        assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(document.at("/components/schemas/Error/required").toString()).isEqualTo("[\"error\"]");
        assertThat(document.at("/components/securitySchemes/bearer/scheme").asText())
                .isEqualTo("bearer");
        // every /v1 operation names who may call it; webhooks, health and media need no API key
        document.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(operation -> {
                    if (!OPERATIONS.contains(operation.getKey())) {
                        return;
                    }
                    JsonNode security = operation.getValue().path("security");
                    assertThat(security.isArray())
                            .as("security of %s %s", operation.getKey(), path.getKey())
                            .isTrue();
                    if (path.getKey().startsWith("/v1/")) {
                        assertThat(security.toString()).contains("bearer");
                        assertThat(operation.getValue().path("responses").has("401"))
                                .as("401 of %s %s", operation.getKey(), path.getKey())
                                .isTrue();
                    }
                }));
    }

    @Test
    void noKeyIsProseSplitByAFlowMappingComma() {
        // `{description: a, b}` in YAML makes " b" a key: no key of the document has a space in it
        List<String> keys = new ArrayList<>();
        collectKeys(document, keys);
        assertThat(keys).isNotEmpty().noneMatch(key -> key.contains(" "));
    }

    private static void collectKeys(JsonNode node, List<String> keys) {
        node.properties().forEach(field -> keys.add(field.getKey()));
        node.forEach(child -> collectKeys(child, keys));
    }

    @Test
    void everyLocalReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(document.at(ref.substring(1)).isMissingNode())
                    .as("%s resolves", ref)
                    .isFalse();
        }
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject() && node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }

    @Test
    void documentIsServedAsJsonWithoutCredentials() throws IOException {
        HttpResponse<String> response = gateway.get("/openapi.json");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(Json.MAPPER.readTree(response.body())).isEqualTo(document);
    }

    @Test
    void referencePageLoadsOnlyWhatTheGatewayServes() {
        HttpResponse<String> page = gateway.get("/docs/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp).startsWith("default-src 'self';"));
        // every script and stylesheet is a relative URL the gateway answers with the viewer's own file
        Matcher linked = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        List<String> assets = new ArrayList<>();
        while (linked.find()) {
            assets.add(linked.group(1));
        }
        assertThat(assets).containsExactlyInAnyOrder("swagger-ui.css", "swagger-ui-bundle.js", "reference.js");
        for (String asset : assets) {
            HttpResponse<String> file = gateway.get("/docs/" + asset);
            assertThat(file.statusCode()).as(asset).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-Security-Policy")).isPresent();
        }
        assertThat(gateway.get("/docs/swagger-ui-bundle.js").body())
                .as("the real Swagger UI bundle, copied from npm's swagger-ui-dist by the build")
                .contains("SwaggerUIBundle")
                .hasSizeGreaterThan(500_000);
        assertThat(gateway.get("/docs/reference.js").body()).contains("../openapi.json");
    }

    @Test
    void referencePageWithoutItsSlashIsSentToIt() {
        HttpResponse<String> bare = gateway.send(HttpRequest.newBuilder(gateway.uri("/docs")));
        assertThat(bare.statusCode()).isEqualTo(308);
        assertThat(bare.headers().firstValue("Location")).hasValue("docs/");
    }

    @Test
    void aFileOutsideTheReferenceIsNotServed() throws IOException {
        HttpResponse<String> other = gateway.get("/docs/index.js");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(Json.MAPPER.readTree(other.body()).at("/error/code").asText())
                .isEqualTo("not_found");
    }
}
