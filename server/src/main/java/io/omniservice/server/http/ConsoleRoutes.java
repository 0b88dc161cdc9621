package io.omniservice.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The operator console at {@code /console/}: a single page built from {@code console/} at the repository's root
 * by the server's build (Vite), read from the jar. Every client route ({@code /console/conversations/{id}}, ...)
 * answers the page itself, which draws the view; the bundle's files live under {@code /console/assets/} with a
 * content hash in their names, so they are cached for a year. The page holds no credentials: it asks for an
 * {@code admin} API key and calls the public {@code /v1} API with it.
 */
final class ConsoleRoutes {
    /** Where the build puts the console on the classpath. */
    static final String ROOT = "console/";

    /**
     * Only this origin, no inline script or style; thumbnails come from this gateway's signed {@code /media}
     * URLs, or from the object store's presigned ones when media live on S3.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' https: data:; connect-src 'self'; object-src 'none'; base-uri 'self';"
            + " form-action 'self'; frame-ancestors 'none'";

    /** A hashed asset's name as Vite writes it: no path, no dot-dot. */
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.[a-z0-9]+");

    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "woff2", "font/woff2",
            "json", "application/json",
            "map", "application/json");

    private final byte[] index;
    private final Map<String, Optional<byte[]>> assets = new ConcurrentHashMap<>();

    ConsoleRoutes() {
        this.index = read(ROOT + "index.html")
                .orElseThrow(() -> new IllegalStateException(ROOT + "index.html is not on the classpath; the"
                        + " console is built from console/ by the server module's build (npm ci, npm run build)"));
    }

    /**
     * {@code /console/} and every client route under it: the page. {@code /console} is sent to {@code /console/},
     * so that the page's relative addresses resolve the same from every route.
     */
    void page(Context ctx) {
        if (ctx.path().equals("/console")) {
            ctx.header("Location", "console/");
            ctx.status(308);
            return;
        }
        secure(ctx);
        // the page names the current bundle: always asked again, so a new build is seen at once
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType("text/html; charset=utf-8").result(index);
    }

    /** {@code /console/assets/{file}}: a file of the bundle, whose name changes with its content. */
    void asset(Context ctx) {
        String name = ctx.pathParam("file");
        String type = ASSET.matcher(name).matches() ? TYPES.get(name.substring(name.lastIndexOf('.') + 1)) : null;
        byte[] bytes = type == null
                ? null
                : assets.computeIfAbsent(name, n -> read(ROOT + "assets/" + n)).orElse(null);
        if (bytes == null) {
            throw ApiException.notFound("not_found", "no file " + name + " belongs to the console");
        }
        secure(ctx);
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.status(200).contentType(type).result(bytes);
    }

    private static void secure(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(resource + " could not be read", e);
        }
    }
}
