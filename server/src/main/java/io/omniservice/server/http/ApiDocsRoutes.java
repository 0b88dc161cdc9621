package io.omniservice.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.javalin.http.Context;
import io.omniservice.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The API's own description: the hand-written OpenAPI 3.1 document ({@code openapi/openapi.yaml}) as JSON at
 * {@code /openapi.json}, and a reference page at {@code /docs/} that renders it with Swagger UI. The viewer's
 * files are npm's {@code swagger-ui-dist}, copied into the jar by the build, and the page's
 * Content-Security-Policy lets it load nothing from any other origin.
 */
final class ApiDocsRoutes {
    /** Where the document lives on the classpath. */
    static final String DOCUMENT = "openapi/openapi.yaml";

    /**
     * Only this origin; the viewer's stylesheet draws its icons from {@code data:} images. No inline script:
     * the page's own script is a file.
     */
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "reference.js", "text/javascript; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "swagger-ui.css", "text/css; charset=utf-8");

    private final byte[] document;
    private final Map<String, byte[]> files;

    ApiDocsRoutes() {
        this.document = documentAsJson();
        this.files = FILES.keySet().stream()
                .collect(java.util.stream.Collectors.toUnmodifiableMap(name -> name, name -> read("api-docs/" + name)));
    }

    /** The document as the gateway serves it: the YAML resource, as JSON. */
    static byte[] documentAsJson() {
        try {
            JsonNode tree = new YAMLMapper().readTree(read(DOCUMENT));
            return Json.MAPPER.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document " + DOCUMENT + " is not valid YAML", e);
        }
    }

    void document(Context ctx) {
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(ErrorResponses.JSON).result(document);
    }

    /** {@code /docs/}: the page; {@code /docs} is sent there, so that its relative links resolve. */
    void page(Context ctx) {
        if (!ctx.path().endsWith("/")) {
            ctx.header("Location", ctx.path().substring(ctx.path().lastIndexOf('/') + 1) + "/");
            ctx.status(308);
            return;
        }
        serve(ctx, "index.html");
    }

    /** {@code /docs/{file}}: the page's script and styles; nothing else under that path. */
    void file(Context ctx) {
        String name = ctx.pathParam("file");
        if (!files.containsKey(name)) {
            throw ApiException.notFound("not_found", "no file " + name + " belongs to the API reference");
        }
        serve(ctx, name);
    }

    private void serve(Context ctx, String name) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(FILES.get(name)).result(files.get(name));
    }

    private static byte[] read(String resource) {
        try (InputStream in = ApiDocsRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath; the API reference is built"
                        + " with the viewer from tools/api-docs (npm ci there, then build the server module)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(resource + " could not be read", e);
        }
    }
}
